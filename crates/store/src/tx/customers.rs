//! The named writes of the customer use cases.

use switchboard_domain::{ActivityId, Customer, CustomerId, Timestamp};

use super::Tx;
use crate::customers;
use crate::error::StoreError;

impl Tx<'_> {
    /// Applies a merge the domain decided (see `customers::merge`): answers the activities that
    /// moved to `kept`.
    pub async fn merge_customers(
        &mut self,
        kept: &Customer,
        expected: i64,
        from: CustomerId,
        now: Timestamp,
    ) -> Result<Vec<ActivityId>, StoreError> {
        customers::merge(self.c, kept, expected, from, now).await
    }
}
