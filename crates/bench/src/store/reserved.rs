//! Accepting a referral on a reserved slot (issue 19's benchmark): the fixture and the raw
//! baseline.
//!
//! - [`Sessions`]: the county hospital's outpatient sessions, published through the domain
//!   before anything is timed (capacity [`CAPACITY`], so the profile's 30% is reserved), dated
//!   past the profile's release days. Accepts take them in turn, so bookings spread across
//!   sessions as a real schedule's do, and no two accepts in flight book the same one.
//! - [`Pending`]: requested referrals waiting for their accept, each of its own patient, written
//!   before timing in multi-row statements (the same rows the raw create writes). Both sides
//!   accept referrals made the same way.
//! - The raw accept: `BEGIN; SELECT body, version FROM referral; SELECT body, version FROM
//!   specialist_session; UPDATE specialist_session … WHERE version; UPDATE referral … WHERE
//!   version; INSERT outbox_event (the booking and the acceptance, sequences by subquery);
//!   INSERT audit_entry; COMMIT`, running the same domain code (accept with the session's quota,
//!   book the slot).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::sqlx::{self, Row};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::ids::{ReferralId, SessionId};
use yigong_domain::referral::{Appointment, Referral, SlotKind};
use yigong_domain::schedule::{NewSession, SessionKind, SpecialistSession};
use yigong_ports::{NewEvent, UnitOfWork};

use super::{
    Bench, COMMUNITY, COUNTY, Patients, Sequence, err, new_referral, raw_accepted, raw_audit,
    raw_events, slip,
};

/// Slots a session offers: 30% of them (18) reserved for the community's referrals.
const CAPACITY: u32 = 60;
/// Bookings a session gets at most in a run: fewer than its reserved slots.
const BOOKINGS_PER_SESSION: usize = 15;
/// Days ahead the sessions are held: past the profile's release days (14 by default), so their
/// reserved slots are released and still held.
const DAYS_AHEAD: i64 = 15;
/// Rows a seeding statement writes.
const SEED_ROWS: usize = 500;

/// Sessions handed out in turn.
pub(crate) struct Sessions {
    ids: Vec<SessionId>,
    date: Date,
    next: AtomicUsize,
}

impl Sessions {
    /// The session the next accept books, and its appointment (09:00 on the session's day).
    pub(crate) fn take(&self) -> (SessionId, Appointment) {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        let appointment = Appointment {
            at: self.date.with_time(time::macros::time!(9:00)).assume_utc(),
            slot: SlotKind::Reserved,
        };
        (self.ids[k % self.ids.len()], appointment)
    }
}

/// Requested referrals, each accepted once.
pub(crate) struct Pending {
    side: &'static str,
    ids: Vec<ReferralId>,
    next: AtomicUsize,
}

impl Pending {
    /// The next referral no accept has taken yet.
    pub(crate) fn take(&self) -> Result<ReferralId, String> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        self.ids.get(k).copied().ok_or_else(|| {
            format!(
                "the {} pending referrals are exhausted ({}): this run accepted faster than \
                 they were sized for",
                self.side,
                self.ids.len()
            )
        })
    }
}

impl Bench {
    /// Publishes enough of the county hospital's sessions for `accepts` reserved bookings.
    pub(crate) async fn publish_sessions(
        &self,
        uow: &dyn UnitOfWork,
        accepts: usize,
    ) -> Result<Arc<Sessions>, String> {
        let today = OffsetDateTime::now_utc().date();
        let date = today + time::Duration::days(DAYS_AHEAD);
        let n = accepts.div_ceil(BOOKINGS_PER_SESSION).max(1);
        let mut ids = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
            let mut tx = uow.begin().await.map_err(err)?;
            for _ in chunk {
                let (session, _) = SpecialistSession::publish(
                    NewSession {
                        id: SessionId::from_uuid(Uuid::new_v4()),
                        institution: COUNTY,
                        held_at: COUNTY,
                        department: slip::DEPARTMENT.to_owned(),
                        doctor: slip::DOCTOR.to_owned(),
                        kind: SessionKind::Outpatient,
                        date,
                        capacity: CAPACITY,
                    },
                    true,
                    today,
                    &self.profile,
                )
                .map_err(err)?;
                tx.insert_session(&session).await.map_err(err)?;
                ids.push(session.id());
            }
            tx.commit().await.map_err(err)?;
        }
        Ok(Arc::new(Sessions {
            ids,
            date,
            next: AtomicUsize::new(0),
        }))
    }

    /// A requested referral for each patient of `patients`, with its creation events, in
    /// multi-row statements.
    pub(crate) async fn seed_pending(
        &self,
        side: &'static str,
        patients: &Patients,
    ) -> Result<Arc<Pending>, String> {
        let now = OffsetDateTime::now_utc();
        let mut ids = Vec::with_capacity(patients.len());
        let mut left = patients.len();
        while left > 0 {
            let n = left.min(SEED_ROWS);
            left -= n;
            let (mut made, mut events) = (Vec::with_capacity(n), Vec::new());
            for _ in 0..n {
                let (r, e) = new_referral(&self.route, &self.profile, patients.take()?, now)?;
                events.extend(self.outbox(e, now)?);
                made.push(r);
            }
            let mut tx = self.raw.begin().await.map_err(err)?;
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO referral (id, patient_id, from_institution, to_institution, \
                 community_id, direction, urgency, state, open_direction, requested_at, \
                 respond_by, escalated, body, version, updated_at) ",
            );
            let mut bodies = Vec::with_capacity(n);
            for r in &made {
                bodies.push(serde_json::to_value(r).map_err(err)?);
            }
            insert.push_values(made.iter().zip(&bodies), |mut row, (r, body)| {
                row.push_bind(r.id().as_uuid())
                    .push_bind(r.patient().as_uuid())
                    .push_bind(r.from().as_uuid())
                    .push_bind(r.to().as_uuid())
                    .push_bind(COMMUNITY.as_uuid())
                    .push("'upward', 'routine', 'requested', 'upward'")
                    .push_bind(r.requested_at())
                    .push_bind(r.respond_by())
                    .push("false")
                    .push_bind(body)
                    .push("1")
                    .push_bind(now);
            });
            insert.build().execute(&mut *tx).await.map_err(err)?;
            raw_events(&mut tx, &events, Sequence::FreshAggregate).await?;
            tx.commit().await.map_err(err)?;
            ids.extend(made.iter().map(Referral::id));
        }
        Ok(Arc::new(Pending {
            side,
            ids,
            next: AtomicUsize::new(0),
        }))
    }

    /// The raw accept on a reserved slot of `session`.
    pub(crate) async fn raw_accept_reserved(
        &self,
        id: ReferralId,
        session: SessionId,
        appointment: Appointment,
    ) -> Result<(), String> {
        let now = OffsetDateTime::now_utc();
        let mut tx = self.raw.begin().await.map_err(err)?;
        let row = sqlx::query("SELECT body, version FROM referral WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let loaded: Referral = serde_json::from_value(row.try_get(0).map_err(err)?).map_err(err)?;
        let version: i64 = row.try_get(1).map_err(err)?;
        let row = sqlx::query("SELECT body, version FROM specialist_session WHERE id = $1")
            .bind(session.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let slots: SpecialistSession =
            serde_json::from_value(row.try_get(0).map_err(err)?).map_err(err)?;
        let slots_version: i64 = row.try_get(1).map_err(err)?;
        if slots.held_at() != loaded.to() || slots.date() != appointment.at.date() {
            return Err("raw accept: not a session of the receiver on the day".to_owned());
        }
        let (accepted, events) = loaded
            .accept(
                appointment,
                slip::receiving()?,
                Some(&slots.quota()),
                now,
                &self.profile,
            )
            .map_err(err)?;
        // The bench's community is the county hospital's own.
        let (booked, booking) = slots
            .book(
                accepted.id(),
                SlotKind::Reserved,
                true,
                now.date(),
                &self.profile,
            )
            .map_err(err)?;
        let accepted = accepted.booked_in(session);
        let done = sqlx::query(
            "UPDATE specialist_session SET body = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(serde_json::to_value(&booked).map_err(err)?)
        .bind(session.as_uuid())
        .bind(slots_version)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if done.rows_affected() != 1 {
            return Err("raw accept lost the session's race".to_owned());
        }
        raw_accepted(&mut tx, &accepted, version, now).await?;
        let mut outbox = booking
            .into_iter()
            .map(|e| NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &e.into(), now).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        outbox.extend(self.outbox(events, now)?);
        raw_events(&mut tx, &outbox, Sequence::StoredMaximum).await?;
        raw_audit(
            &mut tx,
            "referral.accept",
            accepted.patient().as_uuid(),
            now,
        )
        .await?;
        tx.commit().await.map_err(err)
    }
}
