import * as v from './values.js';
import { ALNUM, DIGITS, HEX, LOWER } from './values.js';
import type { Context } from './contexts-logs.js';

/** Connection strings, configuration files, debugger locals, shell output, CSV and SQL statements. */
export const CONFIG_CONTEXTS: Record<string, Context> = {
  connstr(d) {
    const r = d.r;
    const pw = (): string => v.password(r).replace(/[#%^*;]/g, 'x');
    r.pick([
      () =>
        d
          .t('Server=tcp:')
          .n('HOSTNAME', `sql-${r.int(1, 9)}.prod.internal`)
          .t(',1433;Database=orders;User ID=app;Password=')
          .s('PASSWORD', pw())
          .t(';Encrypt=true;\n'),
      () =>
        d
          .t('mongodb+srv://svc:')
          .s('PASSWORD', pw())
          .t('@cluster0.example.mongodb.net/app?retryWrites=true\n'),
      () => d.t('redis://:').s('PASSWORD', pw()).t('@cache-1.prod.internal:6379/0\n'),
      () =>
        d
          .t('DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=')
          .s('AZURE_STORAGE_KEY', v.azureStorageKey(r))
          .t(';EndpointSuffix=core.windows.net\n'),
      () =>
        d
          .t('jdbc:postgresql://db.prod.internal:5432/app?user=app&password=')
          .s('PASSWORD', pw())
          .t('&ssl=true\n'),
      () => d.t('amqp://guest:').s('PASSWORD', pw()).t('@rabbit.prod.internal:5672/vhost\n'),
    ])();
  },
  config(d) {
    const r = d.r;
    r.pick([
      () => {
        d.t('database:\n  host: ')
          .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
          .t('\n  port: 5432\n  password: "')
          .s('PASSWORD', v.password(r))
          .t('"\n');
        d.t('slack:\n  bot_token: ')
          .s('SLACK_TOKEN', v.slackToken(r))
          .t('\ngoogle:\n  api_key: ')
          .s('GOOGLE_API_KEY', v.googleApiKey(r))
          .t('\n');
        d.t('release: ')
          .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
          .t('\nowner: ')
          .s('EMAIL', v.email(r))
          .t('\n');
      },
      () => {
        d.t('[default]\naws_access_key_id = ')
          .s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r))
          .t('\naws_secret_access_key = ')
          .s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r))
          .t('\nregion = eu-west-1\n');
      },
      () => {
        d.t('spring.datasource.password=')
          .s('PASSWORD', v.password(r).replace(/[#;]/g, 'x'))
          .t('\nspring.datasource.url=jdbc:mysql://')
          .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
          .t('/app\nclient_secret=')
          .s('SECRET', v.opaqueToken(r))
          .t('\n');
      },
      () => {
        d.t('service_account.json: {"type": "service_account", "private_key_id": "')
          .n('SHA_ID', r.chars(HEX, 40))
          .t('", "private_key": "')
          .s('PRIVATE_KEY', v.pemKey(r, '\\n'))
          .t('\\n", "client_email": "')
          .s('EMAIL', v.email(r))
          .t('"}\n');
      },
      () => {
        d.s('PRIVATE_KEY', v.pemKey(r)).t('\n');
      },
      () => {
        d.t('# id_rsa\n')
          .s('PRIVATE_KEY', v.pemKey(r, '\r\n'))
          .t('\r\nfingerprint SHA256:')
          .n('BASE64_ID', r.chars(ALNUM, 43))
          .t('\n');
      },
    ])();
  },
  locals(d) {
    const r = d.r;
    d.t('Local variables:\n  user = { id: ')
      .n('UUID', v.uuid(r))
      .t(", email: '")
      .s('EMAIL', v.email(r))
      .t("', name: 'x' }\n");
    d.t("  session = { token: '")
      .s('TOKEN', v.jwt(r))
      .t("', expiresAt: ")
      .n('EPOCH_MS', String(r.int(1600000000, 1800000000)) + r.chars(DIGITS, 3))
      .t(' }\n');
    d.t("  req.headers = { authorization: 'Bearer ")
      .s('BEARER_TOKEN', v.opaqueToken(r))
      .t("', 'x-request-id': '")
      .n('UUID', v.uuid(r))
      .t("' }\n");
    d.t('  amount = ')
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`)
      .t('\n  cardLast4 = ')
      .n('CARD_LAST4', `'${r.chars(DIGITS, 4)}'`)
      .t('\n');
  },
  shell(d) {
    const r = d.r;
    d.t('$ kubectl get pods -o wide\nNAME                          READY   STATUS    IP            NODE\n');
    for (let i = 0; i < r.int(2, 4); i++)
      d.n(
        'K8S_POD',
        `${r.pick(['checkout', 'payments'])}-${r.chars(LOWER + DIGITS, 10)}-${r.chars(LOWER + DIGITS, 5)}`,
      )
        .t('   1/1     Running   ')
        .s('IPV4', v.ipv4(r))
        .t('   node-')
        .t(String(r.int(1, 9)))
        .t('\n');
    d.t('$ mysql -h db --user=root --password ')
      .s('PASSWORD', v.password(r).replace(/[#;]/g, 'x'))
      .t(' -e "select 1"\n');
    d.t('$ curl -H "Authorization: Bearer ')
      .s('GITHUB_TOKEN', v.githubToken(r))
      .t('" https://api.github.com/user\n');
    d.t('$ docker pull app@')
      .n('IMAGE_DIGEST', `sha256:${r.chars(HEX, 64)}`)
      .t('\n$ ip link\n2: eth0: <BROADCAST> mtu 1500\n    link/ether ')
      .s('MAC_ADDRESS', v.mac(r))
      .t(' brd ff:ff:ff:ff:ff:ff\n    inet6 ')
      .s('IPV6', v.ipv6(r))
      .t('/64 scope global\n');
  },
  csv(d) {
    const r = d.r;
    d.t('User name,Access key ID,Secret access key,Console login link\n');
    d.t('deploy,')
      .s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r))
      .t(',')
      .s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r))
      .t(',https://')
      .n('ACCOUNT_ID', r.chars(DIGITS, 12))
      .t('.signin.aws.amazon.com/console\n');
  },
  sqlstatements(d) {
    const r = d.r;
    d.t("ALTER USER reporting WITH PASSWORD '").s('PASSWORD', v.password(r).replace(/'/g, 'x')).t("';\n");
    d.t("UPDATE orders SET status='shipped' WHERE id='")
      .n('UUID', v.uuid(r))
      .t("' AND total > ")
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`)
      .t(';\n');
  },
};
