import * as v from './values.js';
import type { Rng } from './values.js';
import type { Doc } from './doc.js';
import { isoTime } from './negatives.js';

// ---------------------------------------------------------------------------------------------
// Secret families, each rendered by a context that puts it where it occurs in practice.

type SecretGen = (r: Rng) => [string, string];

export const SECRETS: SecretGen[] = [
  (r) => ['EMAIL', v.email(r)],
  (r) => ['PHONE', v.phone(r)],
  (r) => ['CREDIT_CARD', v.card(r)],
  (r) => ['US_SSN', v.ssn(r)],
  (r) => ['IBAN', v.iban(r)],
  (r) => ['IPV4', v.ipv4(r)],
  (r) => ['IPV6', v.ipv6(r)],
  (r) => ['MAC_ADDRESS', v.mac(r)],
  (r) => ['AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r)],
  (r) => ['GITHUB_TOKEN', v.githubToken(r)],
  (r) => ['SLACK_TOKEN', v.slackToken(r)],
  (r) => ['SLACK_WEBHOOK', v.slackWebhook(r)],
  (r) => ['STRIPE_KEY', v.stripeKey(r)],
  (r) => ['GOOGLE_API_KEY', v.googleApiKey(r)],
  (r) => ['OPENAI_API_KEY', v.openaiKey(r)],
  (r) => ['NPM_TOKEN', v.npmToken(r)],
  (r) => ['SENDGRID_API_KEY', v.sendgridKey(r)],
  (r) => ['JWT', v.jwt(r)],
  (r) => v.gloveboxToken(r),
];

const LEVELS = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
const SERVICES = ['checkout', 'payments', 'auth', 'search', 'billing', 'notifier'];

export function logPrefix(d: Doc): void {
  d.n('TIMESTAMP', isoTime(d.r)).t(` ${d.r.pick(LEVELS)} [${d.r.pick(SERVICES)}] `);
}

/** Appends one secret in a phrasing typical of `context`; all of them end without a newline. */
export function inlineSecret(d: Doc, type: string, value: string): void {
  const r = d.r;
  switch (type) {
    case 'EMAIL':
      r.pick([
        () => d.t('user ').s(type, value).t(' logged in'),
        () => d.t('sending receipt to <').s(type, value).t('>'),
        () => d.t('GET /api/v1/users?email=').s(type, encodeURIComponent(value)).t('&limit=10'),
        () => d.t('mailto:').s(type, value),
        () => d.t('reply-to="').s(type, value).t('"'),
      ])();
      return;
    case 'PHONE':
      r.pick([
        () => d.t('sms to ').s(type, value).t(' queued'),
        () => d.t('phone=').s(type, value),
        () => d.t('callback number ').s(type, value).t('.'),
      ])();
      return;
    case 'CREDIT_CARD':
      r.pick([
        () => d.t('charge card ').s(type, value).t(' declined'),
        () => d.t('pan=').s(type, value),
        () => d.t('card number: ').s(type, value),
      ])();
      return;
    case 'US_SSN':
      r.pick([
        () => d.t('applicant ssn ').s(type, value).t(' verified'),
        () => d.t('SSN: ').s(type, value),
      ])();
      return;
    case 'IBAN':
      r.pick([
        () => d.t('payout to IBAN ').s(type, value).t(' scheduled'),
        () => d.t('iban=').s(type, value),
      ])();
      return;
    case 'IPV4':
    case 'IPV6':
      r.pick([
        () => d.t('client ').s(type, value).t(' connected'),
        () => d.t('remote_addr=').s(type, value),
        () =>
          d
            .t('from ')
            .s(type, value)
            .t(' port ')
            .t(String(r.int(1024, 65535))),
      ])();
      return;
    case 'MAC_ADDRESS':
      d.t('device ')
        .s(type, value)
        .t(' joined vlan ')
        .t(String(r.int(1, 4000)));
      return;
    default:
      r.pick([
        () => d.t('using credential ').s(type, value),
        () => d.t('config loaded: key=').s(type, value).t(' region=eu-west-1'),
        () => d.t('request failed for ').s(type, value).t(': 401 Unauthorized'),
        () => d.t('"credential": "').s(type, value).t('"'),
      ])();
  }
}
