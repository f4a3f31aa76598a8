import * as v from './values.js';
import { ALNUM, DIGITS, HEX } from './values.js';
import type { Doc } from './doc.js';
import { isoTime } from './negatives.js';
import { SECRETS, inlineSecret, logPrefix } from './secrets.js';

/** Renders one document of a context into the document builder. */
export type Context = (d: Doc) => void;

/** Logs, JSON bodies, stack traces, SQL rows, environment dumps and HTTP headers. */
export const LOG_CONTEXTS: Record<string, Context> = {
  applog(d) {
    const lines = d.r.int(3, 8);
    for (let i = 0; i < lines; i++) {
      logPrefix(d);
      if (d.r.chance(0.45)) {
        const [type, value] = d.r.pick(SECRETS)(d.r);
        inlineSecret(d, type, value);
      } else {
        d.t(
          d.r.pick([
            'processed order ',
            'trace_id=',
            'cache miss for ',
            'released build ',
            'took ',
            'checksum ',
            'retrying job ',
          ]),
        );
        d.neg();
      }
      d.t(' request_id=')
        .n('REQUEST_ID', `req_${d.r.chars(ALNUM, 24)}`)
        .t('\n');
    }
  },
  access(d) {
    const lines = d.r.int(2, 6);
    for (let i = 0; i < lines; i++) {
      const r = d.r;
      d.s('IPV4', v.ipv4(r))
        .t(' - - [')
        .n('TIMESTAMP', isoTime(r))
        .t('] "GET /api/v1/orders/')
        .n('ORDER_ID', `ORD-${r.int(2019, 2025)}-${r.chars(DIGITS, 6)}`);
      if (r.chance(0.4)) d.t('?access_token=').s('TOKEN', v.opaqueToken(r));
      else if (r.chance(0.3)) d.t('?api_key=').s('API_KEY', v.hexSecret(r));
      else d.t('?page=').t(String(r.int(1, 9)));
      d.t(' HTTP/1.1" ')
        .n('HTTP_STATUS', String(r.pick([200, 404, 500])))
        .t(` ${r.int(100, 99999)} "-" "Mozilla/5.0" rt=`)
        .n('DURATION', `${r.int(1, 999)}ms`)
        .t('\n');
    }
  },
  json(d) {
    const r = d.r;
    d.t('{"id":"')
      .n('UUID', v.uuid(r))
      .t('","created_at":"')
      .n('TIMESTAMP', isoTime(r))
      .t('","customer":{"email":"')
      .s('EMAIL', v.email(r))
      .t('","first_name":"');
    d.s('PERSON_NAME', v.personName(r))
      .t('","phone":"')
      .s('PHONE', v.phone(r))
      .t('"},"payment":{"card":"')
      .s('CREDIT_CARD', v.card(r))
      .t('","amount":')
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`);
    d.t('},"auth":{"password":"')
      .s('PASSWORD', v.password(r))
      .t('","api_key":"')
      .s('API_KEY', v.opaqueToken(r))
      .t('","refresh_token":"')
      .s('TOKEN', v.opaqueToken(r))
      .t('"},"version":"')
      .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
      .t('","trace":"')
      .n('TRACE_ID', r.chars(HEX, 32))
      .t('"}\n');
  },
  stack(d) {
    const r = d.r;
    d.t(`Error: connect ECONNREFUSED for user `).s('EMAIL', v.email(r)).t('\n');
    d.t(`    at Client.connect (/app/node_modules/pg/lib/client.js:${r.int(10, 400)}:${r.int(1, 40)})\n`);
    d.t('    at handler (/app/dist/routes/orders.js:')
      .n('CLOCK', `${r.int(10, 99)}:${r.int(10, 99)}:${r.int(10, 99)}.${r.chars(DIGITS, 3)}`)
      .t(')\n');
    d.t("  cause: { token: '")
      .s('TOKEN', v.opaqueToken(r))
      .t("', commit: '")
      .n('GIT_SHA', r.chars(HEX, 40))
      .t("' }\n");
  },
  sql(d) {
    const r = d.r;
    d.t(' id | email                         | ssn         | iban                          | created\n');
    d.t(
      '----+-------------------------------+-------------+-------------------------------+---------------------\n',
    );
    const rows = r.int(2, 5);
    for (let i = 0; i < rows; i++) {
      d.t(` ${r.int(1, 999)} | `)
        .s('EMAIL', v.email(r))
        .t(' | ')
        .s('US_SSN', v.ssn(r))
        .t(' | ')
        .s('IBAN', v.iban(r))
        .t(' | ')
        .n('TIMESTAMP', isoTime(r))
        .t('\n');
    }
    d.t(`(${rows} rows)\n`);
  },
  env(d) {
    const r = d.r;
    d.t('NODE_ENV=production\nGIT_COMMIT=').n('GIT_SHA', r.chars(HEX, 40)).t('\n');
    d.t('AWS_ACCESS_KEY_ID=').s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r)).t('\n');
    d.t('AWS_SECRET_ACCESS_KEY=').s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r)).t('\n');
    d.t('DATABASE_URL=postgres://app:')
      .s('PASSWORD', v.password(r).replace(/[#%^*]/g, 'x'))
      .t('@')
      .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
      .t(':5432/app\n');
    d.t('STRIPE_SECRET_KEY=').s('STRIPE_KEY', v.stripeKey(r)).t('\n');
    d.t('GITHUB_TOKEN=').s('GITHUB_TOKEN', v.githubToken(r)).t('\n');
    d.t('SESSION_SECRET=').s('SECRET', v.hexSecret(r)).t('\n');
    d.t('DB_PASSWORD=').n('ENV_REFERENCE', '${VAULT_DB_PASSWORD}').t('\n');
    d.t('OPENAI_API_KEY=').s('OPENAI_API_KEY', v.openaiKey(r)).t('\n');
    d.t('NPM_TOKEN=').s('NPM_TOKEN', v.npmToken(r)).t('\n');
    d.t('SENDGRID_API_KEY=').s('SENDGRID_API_KEY', v.sendgridKey(r)).t('\n');
    d.t('SLACK_WEBHOOK_URL=')
      .s('SLACK_WEBHOOK', v.slackWebhook(r))
      .t('\nAPP_VERSION=')
      .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
      .t('\n');
    d.t('PORT=8080\nOTEL_TRACE_ID=').n('TRACE_ID', r.chars(HEX, 32)).t('\n');
  },
  headers(d) {
    const r = d.r;
    d.t('GET /v1/orders HTTP/1.1\nHost: api.example.com\n');
    r.pick([
      () => d.t('Authorization: Bearer ').s('BEARER_TOKEN', v.opaqueToken(r)).t('\n'),
      () => d.t('Authorization: Bearer ').s('JWT', v.jwt(r)).t('\n'),
      () =>
        d
          .t('Authorization: Basic ')
          .s(
            'BASIC_AUTH',
            Buffer.from(`${r.pick(['admin', 'svc', 'deploy'])}:${v.password(r)}`).toString('base64'),
          )
          .t('\n'),
    ])();
    d.t('Cookie: sessionid=')
      .s('SESSION_ID', r.chars(ALNUM, 32))
      .t('; csrftoken=')
      .s('TOKEN', r.chars(ALNUM, 32))
      .t('; theme=dark\n');
    d.t('X-Api-Key: ').s('API_KEY', r.chars(ALNUM, 40)).t('\n');
    d.t('X-Request-Id: ')
      .n('UUID', v.uuid(r))
      .t('\ntraceparent: ')
      .n('TRACEPARENT', `00-${r.chars(HEX, 32)}-${r.chars(HEX, 16)}-01`)
      .t('\n');
    d.t('If-None-Match: "').n('MD5', r.chars(HEX, 32)).t('"\nUser-Agent: curl/8.4.0\n\n');
    d.t('HTTP/1.1 200 OK\nSet-Cookie: session=')
      .s('SESSION_ID', r.chars(ALNUM + '-_', 40))
      .t('; Path=/; HttpOnly; Secure\nDate: ')
      .n('TIMESTAMP', isoTime(r))
      .t('\n');
  },
};
