//! Bearer-token authentication: every RPC but health carries `authorization: Bearer <JWT>`
//! (HS256, signed with the key from config). The token names the user, role, institution and
//! team; the community is read from the current network, never from the token, so a token
//! outlives no change of membership. The verified principal goes on the request for the RPCs
//! (`wire::principal`); anything else is `UNAUTHENTICATED`, and the token never reaches a log.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tonic::{Request, Status};
use uuid::Uuid;
use yigong_domain::ids::{InstitutionId, TeamId};
use yigong_service::{NetworkView, Principal, Role};

/// The longest user name (`sub`) a token may carry.
const MAX_USER_BYTES: usize = 128;

/// The issuer every Yigong token names.
const ISSUER: &str = "yigong";

/// The least key length HS256 is given: a shorter secret is guessable.
pub const MIN_KEY_BYTES: usize = 32;

/// What a token says of its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: String,
    /// `clinician`, `referral_desk` or `operator`.
    pub role: String,
    /// The user's institution.
    pub institution: Uuid,
    /// The user's family doctor team, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Uuid>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Always `yigong`.
    pub iss: String,
}

/// Why a key or a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The signing key is too short.
    #[error("the token key must be at least {MIN_KEY_BYTES} bytes")]
    ShortKey,
    /// A token could not be signed.
    #[error("could not sign the token: {0}")]
    Sign(String),
}

/// The signing and verifying key.
#[derive(Clone)]
pub struct TokenKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    /// A key from a shared secret of at least [`MIN_KEY_BYTES`] bytes.
    pub fn from_secret(secret: &[u8]) -> Result<TokenKey, AuthError> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(AuthError::ShortKey);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 30;
        Ok(TokenKey {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    /// Mints a token for `who`, valid for `ttl` from `now` (`yigong token issue`).
    pub fn issue(
        &self,
        who: &Principal,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            sub: who.user.clone(),
            role: who.role.as_str().to_owned(),
            institution: who.institution.as_uuid(),
            team: who.team.map(|t| t.as_uuid()),
            iat: now.unix_timestamp(),
            exp: (now + ttl).unix_timestamp(),
            iss: ISSUER.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }

    /// The claims of a token this key signed, unexpired.
    pub fn verify(&self, token: &str) -> Result<Claims, Status> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| Status::unauthenticated(format!("invalid token: {e}")))
    }
}

/// The interceptor every RPC service but health is wrapped in.
#[derive(Clone)]
pub struct Authenticator {
    key: Arc<TokenKey>,
    network: Arc<NetworkView>,
}

impl Authenticator {
    /// Verifies tokens with `key`; communities come from `network`.
    pub fn new(key: Arc<TokenKey>, network: Arc<NetworkView>) -> Self {
        Self { key, network }
    }

    /// The principal a request's bearer token proves.
    pub fn principal<T>(&self, request: &Request<T>) -> Result<Principal, Status> {
        let header = request
            .metadata()
            .get("authorization")
            .ok_or_else(|| Status::unauthenticated("a bearer token is required"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("expected `authorization: Bearer <token>`"))?;
        self.principal_of(token)
    }

    /// The principal a bearer token proves, however it came (the dashboard's session cookie
    /// holds one): the same checks, so the web and the API admit the same callers.
    pub fn principal_of(&self, token: &str) -> Result<Principal, Status> {
        let claims = self.key.verify(token.trim())?;
        let role = Role::from_name(&claims.role)
            .ok_or_else(|| Status::unauthenticated("the token names an unknown role"))?;
        // The user names audit entries and scopes request ids: a name, not a document.
        if claims.sub.trim().is_empty() || claims.sub.len() > MAX_USER_BYTES {
            return Err(Status::unauthenticated(format!(
                "the token's subject must have 1 to {MAX_USER_BYTES} bytes"
            )));
        }
        let institution = InstitutionId::from_uuid(claims.institution);
        let network = self.network.current();
        if network.institution(institution).is_err() {
            return Err(Status::unauthenticated(
                "the token's institution is not in the network",
            ));
        }
        if network.closed_on(institution).is_some() {
            return Err(Status::unauthenticated("the token's institution is closed"));
        }
        // The team, like the community, is the network's word, not the token's: a team of
        // an institution the user may not serve on is refused however well signed.
        let team = claims.team.map(TeamId::from_uuid);
        if let Some(team) = team {
            let allowed = self
                .network
                .team_institution(team)
                .is_some_and(|of| Principal::may_serve_on_team_of(institution, of, &network));
            if !allowed {
                return Err(Status::unauthenticated(
                    "the token's team is not a team its institution serves on",
                ));
            }
        }
        Ok(Principal {
            user: claims.sub,
            role,
            institution,
            community: network.community_of(institution).map(|c| c.id()),
            team,
        })
    }
}

impl tonic::service::Interceptor for Authenticator {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let principal = self.principal(&request)?;
        request.extensions_mut().insert(principal);
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic::service::Interceptor as _;
    use yigong_domain::ids::CommunityId;
    use yigong_domain::network::{Institution, InstitutionKind, Network};

    use super::*;

    const COUNTY: InstitutionId = InstitutionId::from_u128(1);
    const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
    const OTHER_TOWNSHIP: InstitutionId = InstitutionId::from_u128(11);
    const VILLAGE: InstitutionId = InstitutionId::from_u128(100);
    /// The township's family doctor team.
    const TEAM: TeamId = TeamId::from_u128(77);
    const COMMUNITY: CommunityId = CommunityId::from_u128(500);
    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn authenticator(secret: &[u8]) -> Authenticator {
        let mut network = Network::new();
        for (id, kind) in [
            (COUNTY, InstitutionKind::CountyGeneralHospital),
            (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
            (OTHER_TOWNSHIP, InstitutionKind::TownshipHealthCenter),
            (VILLAGE, InstitutionKind::VillageClinic),
        ] {
            network
                .add_institution(Institution {
                    id,
                    name: format!("{kind:?}"),
                    kind,
                })
                .unwrap();
        }
        network.found_community(COMMUNITY, "north", COUNTY).unwrap();
        network.join(COMMUNITY, TOWNSHIP).unwrap();
        network.join(COMMUNITY, OTHER_TOWNSHIP).unwrap();
        network.join(COMMUNITY, VILLAGE).unwrap();
        let view = NetworkView::new(network);
        view.add_team(TEAM, TOWNSHIP);
        Authenticator::new(
            Arc::new(TokenKey::from_secret(secret).unwrap()),
            Arc::new(view),
        )
    }

    fn doctor(institution: InstitutionId) -> Principal {
        Principal {
            user: "dr-li".into(),
            role: Role::Clinician,
            institution,
            // Whatever the caller believes, the network decides.
            community: None,
            team: Some(TEAM),
        }
    }

    fn with_token(token: &str) -> Request<()> {
        let mut request = Request::new(());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    fn issue(secret: &[u8], who: &Principal, ttl: Duration) -> String {
        TokenKey::from_secret(secret)
            .unwrap()
            .issue(
                who,
                yigong_ports::Clock::now(&yigong_ports::SystemClock),
                ttl,
            )
            .unwrap()
    }

    #[test]
    fn a_token_proves_its_principal_with_the_networks_community() {
        let token = issue(SECRET, &doctor(TOWNSHIP), Duration::hours(1));
        let request = authenticator(SECRET).call(with_token(&token)).unwrap();
        let who = request.extensions().get::<Principal>().unwrap();
        assert_eq!(
            who,
            &Principal {
                community: Some(COMMUNITY),
                ..doctor(TOWNSHIP)
            }
        );
    }

    #[test]
    fn missing_forged_expired_or_foreign_tokens_are_unauthenticated() {
        let mut auth = authenticator(SECRET);
        let other_key = b"another-secret-of-at-least-32-bytes!";
        let cases = [
            Request::new(()),
            with_token("not.a.jwt"),
            with_token(&issue(other_key, &doctor(TOWNSHIP), Duration::hours(1))),
            with_token(&issue(SECRET, &doctor(TOWNSHIP), Duration::hours(-2))),
            with_token(&issue(
                SECRET,
                &doctor(InstitutionId::from_u128(999)),
                Duration::hours(1),
            )),
        ];
        for (i, request) in cases.into_iter().enumerate() {
            let status = auth.call(request).unwrap_err();
            assert_eq!(status.code(), Code::Unauthenticated, "case {i}: {status:?}");
        }
    }

    /// The team is the network's word like the community: a token naming a team its
    /// institution does not serve on is refused, however well signed; a village doctor on the
    /// township's team is let through.
    #[test]
    fn a_token_naming_a_team_of_another_institution_is_unauthenticated() {
        let mut auth = authenticator(SECRET);
        let village_doctor = doctor(VILLAGE);
        let token = issue(SECRET, &village_doctor, Duration::hours(1));
        let request = auth.call(with_token(&token)).unwrap();
        assert_eq!(
            request.extensions().get::<Principal>().unwrap().team,
            Some(TEAM)
        );
        for who in [
            doctor(OTHER_TOWNSHIP),
            doctor(COUNTY),
            Principal {
                team: Some(TeamId::from_u128(78)),
                ..doctor(TOWNSHIP)
            },
        ] {
            let token = issue(SECRET, &who, Duration::hours(1));
            let status = auth.call(with_token(&token)).unwrap_err();
            assert_eq!(
                status.code(),
                Code::Unauthenticated,
                "{:?}: {status:?}",
                who.institution
            );
        }
    }

    #[test]
    fn a_short_key_is_refused() {
        assert_eq!(
            TokenKey::from_secret(b"short").unwrap_err(),
            AuthError::ShortKey
        );
    }
}
