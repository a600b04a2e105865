//! How the receiver judges a referral's attached results today (mutual recognition): the
//! domain decides ([`Referral::recognition_day`], [`Referral::recognised_results`]) with the
//! service's clock and profile, so every place that shows a referral shows the same judgement.

use std::sync::Arc;

use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{Recognition, Referral};
use yigong_ports::Clock;

use crate::Deps;

/// The judge of attached results, as of the moment it is asked.
#[derive(Clone)]
pub struct Recognitions {
    profile: Arc<RuleProfile>,
    clock: Arc<dyn Clock>,
}

impl Recognitions {
    pub(crate) fn of(deps: &Deps) -> Self {
        Recognitions {
            profile: Arc::clone(&deps.profile),
            clock: Arc::clone(&deps.clock),
        }
    }

    /// Each attached result of `referral`, in order, judged on the day the receiver sees the
    /// patient.
    pub fn judge(&self, referral: &Referral) -> Vec<Recognition> {
        let day = referral.recognition_day(self.clock.now().date());
        referral
            .recognised_results(day, &self.profile)
            .into_iter()
            .map(|(_, judged)| judged)
            .collect()
    }
}
