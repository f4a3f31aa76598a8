import { randomUUID } from 'node:crypto';
import type { Clock } from '@glovebox/core';
import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '@glovebox/protocol';
import type { Redactor } from '@glovebox/redact';
import type { WebhookConfig } from '../config.js';
import type { AccessNotice } from './access.js';

/** What the notifier needs; `fetch` and the delays are injectable so tests run fast and offline-safe. */
export interface NotifierConfig {
  webhooks: WebhookConfig[];
  /** Base of the console links in notices, e.g. https://glovebox.example.com. */
  baseUrl: string;
  clock: Clock;
  redactor: Redactor;
  log: { warn(obj: object, msg: string): void };
  fetch?: typeof fetch | undefined;
  /** Attempts per delivery, first one included (default 5). */
  maxAttempts?: number | undefined;
  /** First retry delay; each next one doubles, with jitter (default 1 s). */
  baseDelayMs?: number | undefined;
  /** Deliveries waiting or in flight beyond this are dropped and counted (default 1000). */
  maxQueue?: number | undefined;
  onOutcome?: ((outcome: 'delivered' | 'failed' | 'dropped', kind: NoticeKind) => void) | undefined;
}

/**
 * A change to a user's second factors, for the webhooks besides the audit trail: an enrollment
 * confirmed (`mfa.enrolled`) or factors removed (`mfa.removed`), so that a factor someone else
 * added is seen. Webhooks are the gateway's; subscribe a security channel with `events`.
 */
export interface AccountNotice {
  kind: 'mfa.enrolled' | 'mfa.removed';
  /** Whose factors changed. */
  user: string;
  /** `totp`, `webauthn`, or `all` for a removal. */
  factor: string;
  /** How: `ticket`, `fresh-mfa`, `sso-mfa`, `reset-mfa`. */
  via: string;
  /** Who did it when not the user (an admin's reset). */
  by: string | null;
}

export type NoticeKind = AccessNotice['kind'] | AccountNotice['kind'];

/** The generic JSON document of an account notice. */
export interface AccountNoticeDocument {
  /** `glovebox.mfa.enrolled`, `glovebox.mfa.removed` */
  type: string;
  id: string;
  time: string;
  by: string | null;
  link: string;
  user: { name: string; factor: string; via: string };
}

/** The generic JSON document every `json` webhook receives (and Slack's text is made from). */
export interface NoticeDocument {
  /** `glovebox.request.created`, `glovebox.break-glass`, … */
  type: string;
  id: string;
  time: string;
  by: string | null;
  link: string;
  request: {
    id: string;
    status: string;
    requester: string;
    target: string;
    actions: string[];
    reason: string;
    ticket: string | null;
    breakGlass: boolean;
    durationSec: number;
    approvalsRequired: number;
    approverGroups: string[];
    endReason: string | null;
  };
}

const HEADLINES: Record<AccessNotice['kind'], string> = {
  'request.created': 'Access request waiting',
  'request.approved': 'Access request approved',
  'request.denied': 'Access request denied',
  'request.expired': 'Access request expired',
  'break-glass': 'BREAK-GLASS access used',
  'session.started': 'Debug session started',
  'session.ended': 'Debug session ended',
};

/** Slack mrkdwn control characters; user text must not become links or mentions. */
function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Sends access notices to webhooks: a Slack-compatible payload or a generic JSON one, HMAC-signed,
 * retried with exponential backoff on network errors, 429 and 5xx. Free text (reasons) passes
 * the redactor first; a notice carries a link that opens the console on the request. Delivery
 * never blocks or fails the request that caused it.
 */
export class Notifier {
  readonly #c: NotifierConfig;
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(config: NotifierConfig) {
    this.#c = config;
    this.#fetch = config.fetch ?? fetch;
  }

  /** Replaces the receivers (configuration file plus glovebox.yaml); deliveries in flight finish. */
  setWebhooks(webhooks: WebhookConfig[]): void {
    this.#c.webhooks = webhooks;
  }

  /** The console link that opens a request. */
  linkTo(requestId: string): string {
    return `${this.#c.baseUrl.replace(/\/+$/, '')}/console/requests/${encodeURIComponent(requestId)}`;
  }

  /** Builds the generic document for a notice. */
  document(notice: AccessNotice): NoticeDocument {
    const r = notice.request;
    const text = (value: string) => this.#c.redactor.redactText(value).text;
    return {
      type: `glovebox.${notice.kind}`,
      id: `ntf_${randomUUID()}`,
      time: new Date(this.#c.clock.now()).toISOString(),
      by: notice.by ?? null,
      link: this.linkTo(r.id),
      request: {
        id: r.id,
        status: r.status,
        requester: r.requesterName,
        target: r.target,
        actions: r.actions,
        reason: text(r.reason),
        ticket: r.ticket === null ? null : text(r.ticket),
        breakGlass: r.breakGlass,
        durationSec: r.durationSec,
        approvalsRequired: r.obligations.approvals,
        approverGroups: r.obligations.approverGroups,
        endReason: r.endReason,
      },
    };
  }

  /** Slack incoming-webhook payload (`text` fallback plus Block Kit) for a document. */
  slackPayload(kind: AccessNotice['kind'], d: NoticeDocument): Record<string, unknown> {
    const r = d.request;
    const headline = `${kind === 'break-glass' ? ':rotating_light: ' : ''}${HEADLINES[kind]}`;
    const who = d.by ? ` by ${slackEscape(d.by)}` : '';
    const summary = `${headline}${who}: ${slackEscape(r.requester)} → ${slackEscape(r.target)} (${r.actions.join(', ')})`;
    const lines = [
      `*${headline}*${who}`,
      `*Requester:* ${slackEscape(r.requester)}   *Target:* ${slackEscape(r.target)}`,
      `*Actions:* ${r.actions.join(', ')}   *Duration:* ${Math.round(r.durationSec / 60)} min`,
      `*Reason:* ${slackEscape(r.reason)}${r.ticket ? ` (${slackEscape(r.ticket)})` : ''}`,
    ];
    if (r.status === 'pending')
      lines.push(`*Needs:* ${r.approvalsRequired} approval(s) from ${r.approverGroups.join(' or ') || '-'}`);
    return {
      text: `${summary} — ${d.link}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: {
                type: 'plain_text',
                text: r.status === 'pending' ? 'Review request' : 'Open in console',
              },
              url: d.link,
              ...(r.status === 'pending' ? { style: 'primary' } : {}),
            },
          ],
        },
      ],
    };
  }

  /** Queues a notice for every subscribed webhook; returns at once. */
  notify(notice: AccessNotice): void {
    if (this.#closed) return;
    const doc = this.document(notice);
    this.#queue(notice.kind, doc.id, (format) =>
      format === 'slack' ? this.slackPayload(notice.kind, doc) : doc,
    );
  }

  /** The generic document of an account notice; names pass the redactor like reasons do. */
  accountDocument(notice: AccountNotice): AccountNoticeDocument {
    const text = (value: string) => this.#c.redactor.redactText(value).text;
    return {
      type: `glovebox.${notice.kind}`,
      id: `ntf_${randomUUID()}`,
      time: new Date(this.#c.clock.now()).toISOString(),
      by: notice.by,
      link: `${this.#c.baseUrl.replace(/\/+$/, '')}/console`,
      user: { name: text(notice.user), factor: notice.factor, via: notice.via },
    };
  }

  /** Queues an account notice (second factor enrolled or removed) for every subscribed webhook. */
  notifyAccount(notice: AccountNotice): void {
    if (this.#closed) return;
    const d = this.accountDocument(notice);
    const headline = notice.kind === 'mfa.enrolled' ? 'Second factor enrolled' : 'Second factors removed';
    const who = d.by ? ` by ${slackEscape(d.by)}` : '';
    const text = `:key: ${headline}${who}: ${slackEscape(d.user.name)} (${d.user.factor}, via ${d.user.via}) — if this was not them, disable the user (\`glovebox users disable ${slackEscape(d.user.name)}\`)`;
    this.#queue(notice.kind, d.id, (format) => (format === 'slack' ? { text } : d));
  }

  #queue(kind: NoticeKind, deliveryId: string, payload: (format: 'slack' | 'json') => unknown): void {
    for (const hook of this.#c.webhooks) {
      if (hook.events && !hook.events.includes(kind)) continue;
      if (this.#inFlight.size >= (this.#c.maxQueue ?? 1000)) {
        this.#c.onOutcome?.('dropped', kind);
        this.#c.log.warn({ notice: kind, webhook: safeHost(hook.url) }, 'webhook queue full; notice dropped');
        continue;
      }
      const body = JSON.stringify(payload(hook.format));
      const p = this.#deliver(hook, kind, deliveryId, body).finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    }
  }

  /** Resolves when every queued delivery has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops accepting notices and waits for deliveries already queued. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  async #deliver(hook: WebhookConfig, kind: NoticeKind, deliveryId: string, body: string): Promise<void> {
    const attempts = this.#c.maxAttempts ?? 5;
    const base = this.#c.baseDelayMs ?? 1000;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryable = true;
      let status: number | null = null;
      try {
        const timestamp = Math.floor(this.#c.clock.now() / 1000);
        const response = await this.#fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'glovebox-notifier/1',
            'x-glovebox-event': kind,
            'x-glovebox-delivery': deliveryId,
            ...(hook.secret
              ? { [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(hook.secret, timestamp, body) }
              : {}),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) {
          this.#c.onOutcome?.('delivered', kind);
          return;
        }
        retryable = status === 429 || status >= 500;
      } catch {
        retryable = true;
      }
      if (!retryable || attempt === attempts) {
        this.#c.onOutcome?.('failed', kind);
        // The URL itself can be a secret (Slack's are): only its host is logged.
        this.#c.log.warn(
          { notice: kind, webhook: safeHost(hook.url), status, attempts: attempt },
          'webhook delivery failed',
        );
        return;
      }
      const delay = base * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay * 0.2).unref());
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
