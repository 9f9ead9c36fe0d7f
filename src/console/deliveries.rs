//! The Deliveries tab's data: each channel's totals and the failed
//! deliveries, derived from the messages the console loaded.

use crate::inbox::{DeliveryState, Message};

/// One failed delivery, as the Deliveries tab lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub message_id: i64,
    pub channel: String,
    pub error: String,
}

/// One channel's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelState {
    pub channel: String,
    pub delivered: usize,
    pub pending: usize,
    pub failed: usize,
}

/// Each channel's totals, in the order channels first appear.
pub(super) fn channel_states(messages: &[Message]) -> Vec<ChannelState> {
    let mut states: Vec<ChannelState> = Vec::new();
    for d in messages.iter().flat_map(|m| &m.deliveries) {
        let index = match states.iter().position(|s| s.channel == d.channel) {
            Some(i) => i,
            None => {
                states.push(ChannelState {
                    channel: d.channel.clone(),
                    ..ChannelState::default()
                });
                states.len() - 1
            }
        };
        let state = &mut states[index];
        match d.state {
            DeliveryState::Delivered => state.delivered += 1,
            DeliveryState::Pending => state.pending += 1,
            DeliveryState::Failed => state.failed += 1,
        }
    }
    states
}

/// Every failed delivery, newest message first.
pub(super) fn failed_deliveries(messages: &[Message]) -> Vec<Failed> {
    messages
        .iter()
        .flat_map(|m| {
            m.deliveries
                .iter()
                .filter(|d| d.state == DeliveryState::Failed)
                .map(|d| Failed {
                    message_id: m.id,
                    channel: d.channel.clone(),
                    error: d.last_error.clone().unwrap_or_default(),
                })
        })
        .collect()
}
