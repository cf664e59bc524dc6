"""Webhook subscriptions and deliveries: every outcome an event, each delivery keyed by its cause."""

from __future__ import annotations

from datetime import UTC

from commands.unit_of_work import CommandResult, Handlers, UnitOfWork
from commands.webhooks import messages as m
from ledger.errors import InvalidTransition
from ledger.webhooks import WebhookDelivery, WebhookSubscription, delivery_id


def add_webhook(uow: UnitOfWork, c: m.AddWebhook) -> CommandResult:
    uow.ensure_new(c.subscription_id, "webhook")
    sub = WebhookSubscription.subscribe(
        c.subscription_id, c.url, list(c.events), c.secret, c.description, c.on or uow.today(), c.meta
    )
    return uow.commit(sub)


def disable_webhook(uow: UnitOfWork, c: m.DisableWebhook) -> CommandResult:
    sub = uow.load(WebhookSubscription, c.subscription_id, label="webhook")
    sub.disable(c.reason, c.automatic, c.on or uow.today(), c.meta)
    return uow.commit(sub)


def enable_webhook(uow: UnitOfWork, c: m.EnableWebhook) -> CommandResult:
    sub = uow.load(WebhookSubscription, c.subscription_id, label="webhook")
    sub.enable(c.on or uow.today(), c.meta)
    return uow.commit(sub)


def record_webhook_attempt(uow: UnitOfWork, c: m.RecordWebhookAttempt) -> CommandResult:
    at = c.at.astimezone(UTC)
    if c.attempt == 1:
        uow.ensure_new(delivery_id(c.subscription_id, c.position), f"delivery of {c.position} to {c.subscription_id}")
        delivery = WebhookDelivery.first(
            c.subscription_id, c.position, c.event_type, c.status_code, c.error, at, c.meta
        )
        return uow.commit(delivery)
    delivery = uow.load(WebhookDelivery, delivery_id(c.subscription_id, c.position), label="delivery")
    if delivery.subscription_id != c.subscription_id:
        raise InvalidTransition("a delivery belongs to one subscription")
    delivery.attempted(c.attempt, c.status_code, c.error, at, c.meta)
    return uow.commit(delivery)


def replay_webhook_delivery(uow: UnitOfWork, c: m.ReplayWebhookDelivery) -> CommandResult:
    delivery = uow.load(WebhookDelivery, c.delivery_id, label="delivery")
    # A disabled endpoint is not sent to: a replay asked for there would wait unseen.
    sub = uow.load(WebhookSubscription, delivery.subscription_id, label="webhook")
    if not sub.enabled:
        raise InvalidTransition(f"webhook {sub.id} is disabled; enable it first (enabling retries what failed)")
    delivery.replay(c.at.astimezone(UTC), c.meta)
    return uow.commit(delivery)


HANDLERS: Handlers = {
    m.AddWebhook: add_webhook,
    m.DisableWebhook: disable_webhook,
    m.EnableWebhook: enable_webhook,
    m.RecordWebhookAttempt: record_webhook_attempt,
    m.ReplayWebhookDelivery: replay_webhook_delivery,
}
