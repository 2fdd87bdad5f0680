//! Merging two records of one customer: both read in the write (gather), the domain's
//! `customer_merge::merged` (decide), then the kept customer saved, the other's contact points,
//! cases and activities moved to it and a `customer_merged` event on each moved activity — one
//! write (apply). The activities' earlier events stay, so every history stays whole.

use switchboard_domain::customer_merge::{MergeRequest, merged};
use switchboard_domain::event::{CustomerMerged, EventPayload};
use switchboard_domain::{Actor, Customer, CustomerId, Timestamp};
use switchboard_store::{NewEvent, StoreError};

use crate::App;

impl App {
    /// Merges customer `req.from_customer_id` into `into` as `actor`; answers the kept customer.
    /// 422 for one customer twice or two departments; 409 when `into` changed since
    /// `req.version`.
    pub async fn merge_customers(
        &self,
        into: CustomerId,
        req: MergeRequest,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Customer, StoreError> {
        self.store
            .write(move |mut tx| {
                Box::pin(async move {
                    let kept = tx.customer(into).await?;
                    let from = tx.customer(req.from_customer_id).await?;
                    let after = merged(&kept, &from)?;
                    let moved = tx
                        .merge_customers(&after, req.version, from.id, now)
                        .await?;
                    for id in moved {
                        let a = tx.activity(id).await?;
                        let event = NewEvent::by(
                            actor,
                            a.status,
                            EventPayload::CustomerMerged(CustomerMerged {
                                from_customer_id: from.id,
                                into_customer_id: kept.id,
                            }),
                        );
                        tx.append_events(id, vec![event], now).await?;
                    }
                    tx.customer(into).await
                })
            })
            .await
    }
}
