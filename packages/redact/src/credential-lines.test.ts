import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import { everyWay, leaked } from './testing/index.js';

// Formats as each tool's documentation shows them (MySQL reference manual SET PASSWORD / CREATE
// USER / SHOW PROCESSLIST, PostgreSQL "The Password File", GNU inetutils netrc, RFC 4954 and
// RFC 4616 for SMTP AUTH); the values are invented.
// [what, input, values that must not survive, text that must]
const cases: Array<[string, string, string[], string[]]> = [
  [
    'mysql SHOW PROCESSLIST row running SET PASSWORD FOR … = …',
    "+----+------+-----------+------+---------+------+----------+---------------------------------------------+\n| Id | User | Host      | db   | Command | Time | State    | Info                                        |\n+----+------+-----------+------+---------+------+----------+---------------------------------------------+\n|  7 | app  | localhost | shop | Query   |    0 | starting | SET PASSWORD FOR 'jeffrey'@'%' = 'Plum7-Orbit!' |\n",
    ['Plum7-Orbit!'],
    ["SET PASSWORD FOR 'jeffrey'@'%' = ", 'starting'],
  ],
  [
    'SET PASSWORD = …, = PASSWORD(…), lower case, and IDENTIFIED WITH plugin BY …',
    "mysql> set password = 'Anchor8-Tulip';\nSET PASSWORD FOR 'bob'@'localhost' = PASSWORD('Cedar-Brook-77');\nCREATE USER 'jeffrey'@'localhost' IDENTIFIED WITH caching_sha2_password BY 'Maple-Drift-42';\nALTER USER 'x'@'%' IDENTIFIED WITH mysql_native_password AS '*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4';\n",
    ['Anchor8-Tulip', 'Cedar-Brook-77', 'Maple-Drift-42', '6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4'],
    ["'jeffrey'@'localhost' IDENTIFIED WITH caching_sha2_password BY ", "SET PASSWORD FOR 'bob'@'localhost'"],
  ],
  [
    '.pgpass lines (hostname:port:database:username:password), wildcards and escaped colons',
    'db.internal:5432:shop:app:Pgp4ss-F1le-Pw\n*:*:*:replicator:R3pl-Secret-Pw\n10.0.0.7:6432:*:etl:Colon\\:In-Pw9\n',
    ['Pgp4ss-F1le-Pw', 'R3pl-Secret-Pw', 'Colon\\:In-Pw9'],
    ['db.internal:5432:shop:app:', '*:*:*:replicator:', '10.0.0.7:6432:*:etl:'],
  ],
  [
    '.netrc on one line and over several lines',
    'machine ftp.example.com login myuser password Harbor-Oak-19\nmachine api.heroku.com\n  login ops@example.com\n  password 01234567-89ab-cdef-0123-456789abcdef\ndefault login anonymous password Guest-Pw-77x\n',
    ['Harbor-Oak-19', '01234567-89ab-cdef-0123-456789abcdef', 'Guest-Pw-77x'],
    ['machine ftp.example.com login myuser password ', 'machine api.heroku.com', 'default login anonymous'],
  ],
  [
    'SMTP AUTH PLAIN with an initial response (RFC 4954 example transcript)',
    'S: 220-smtp.example.com ESMTP Server\nC: EHLO client.example.com\nS: 250-smtp.example.com Hello client.example.com\nS: 250-AUTH GSSAPI DIGEST-MD5\nS: 250-AUTH=LOGIN PLAIN\nS: 250 STARTTLS\nC: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=\nS: 235 2.7.0 Authentication successful\n',
    ['dGVzdAB0ZXN0ADEyMzQ='],
    ['250-AUTH GSSAPI DIGEST-MD5', '250-AUTH=LOGIN PLAIN', 'C: AUTH PLAIN '],
  ],
  [
    'SMTP AUTH LOGIN exchange (swaks-style arrows): the answers after 334 prompts',
    ' -> AUTH LOGIN\n<-  334 VXNlcm5hbWU6\n -> am9obkBleGFtcGxlLmNvbQ==\n<-  334 UGFzc3dvcmQ6\n -> U210cC1Mb2dpbi1QdzI=\n<-  235 2.7.0 Authentication successful\n',
    ['am9obkBleGFtcGxlLmNvbQ==', 'U210cC1Mb2dpbi1QdzI='],
    ['334 VXNlcm5hbWU6', '334 UGFzc3dvcmQ6', '235 2.7.0 Authentication successful'],
  ],
  [
    'AUTH LOGIN with the user name as initial response, password after the prompt',
    'AUTH LOGIN am9obkBleGFtcGxlLmNvbQ==\n334 UGFzc3dvcmQ6\nU210cC1Mb2dpbi1QdzI=\n235 ok\n',
    ['am9obkBleGFtcGxlLmNvbQ==', 'U210cC1Mb2dpbi1QdzI='],
    ['334 UGFzc3dvcmQ6', '235 ok'],
  ],
  // Redis MONITOR output (redis.io "MONITOR"), HELLO's AUTH option, redis-cli's prompt and `-a`
  [
    'Redis AUTH as MONITOR prints it, with and without a user, and inside HELLO',
    'OK\n1733311440.117893 [0 10.0.3.7:53422] "AUTH" "default" "Rd-Mon-8xQ2-kLp"\n1733311440.2 [0 10.0.3.7:53423] "auth" "Only-Pw-5tR2"\n1733311441.002931 [0 lua] "HELLO" "3" "AUTH" "app" "Hl-3Auth-4vZ9"\n1733311441.1 [0 10.0.3.7:53422] "GET" "cart:9f1c"\n',
    ['Rd-Mon-8xQ2-kLp', 'Only-Pw-5tR2', 'Hl-3Auth-4vZ9'],
    ['"AUTH" "default" ', '"HELLO" "3" "AUTH" "app" ', '"GET" "cart:9f1c"', '1733311440.117893'],
  ],
  [
    'Redis AUTH typed at a redis-cli prompt, and redis-cli -a on the command line',
    "127.0.0.1:6379> AUTH Prompt-Pw-7qX\nOK\ncache.internal:6380[2]> auth svc Prompt-Pw-8wY\n$ redis-cli -h cache.internal -p 6379 -a 'Rc-Cli-5wP8-nZ' --no-auth-warning INFO\n",
    ['Prompt-Pw-7qX', 'Prompt-Pw-8wY', 'Rc-Cli-5wP8-nZ'],
    ['127.0.0.1:6379> AUTH ', 'cache.internal:6380[2]> auth svc ', '--no-auth-warning INFO'],
  ],
  // PuTTY user guide, appendix C (PPK file format): `Private-Lines: N`, then N lines of base64
  [
    'PuTTY .ppk private lines',
    'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ed25519-key-20241204\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIPzxUSmCGZ1bbKQ9gNm1cyv2sr1p8nnXmrm0zJkw\n/2R1\nPrivate-Lines: 2\nAAAAIGTcHNWU9khOq0trS5Wc6oVdkI7iQd9Fz2Wq1kOwPBJrPqK55b5\nQ9gNm1cyv2sr1p8nnXmrm0zJkw==\nPrivate-MAC: 59887277f47eea6109e8faef0932e1fce67c8037b6da26df66294f7a08a63dba\n',
    ['AAAAIGTcHNWU9khOq0trS5Wc6oVdkI7iQd9Fz2Wq1kOwPBJrPqK55b5', 'Q9gNm1cyv2sr1p8nnXmrm0zJkw=='],
    ['Private-Lines: 2\n', 'Private-MAC: 5988', 'Comment: ed25519-key-20241204'],
  ],
  // Real output of OpenSSL 3.0 (`openssl rsa|ec|pkey -in KEY -text -noout`) for throwaway keys:
  // the private parts are a name alone on its line, then its bytes in hex; the public ones stay
  [
    'openssl rsa -text: private exponent, primes, exponents and coefficient',
    'Private-Key: (512 bit, 2 primes)\nmodulus:\n    00:e0:47:cb:cf:33:c7:ad:f5:f9:c4:36:68:bb:8a:\n    a7:87:2a:73:90:be:66:55:24:af:bf:69:6b:ce:d2:\n    db:be:75:5b:7e:21:e0:81:cb:a3:e3:87:b6:e8:78:\n    e7:b4:04:82:2c:39:8f:2f:c4:4c:12:c0:77:78:30:\n    fc:94:14:15:59\npublicExponent: 65537 (0x10001)\nprivateExponent:\n    00:bf:2e:54:5c:7e:de:12:bb:1f:ba:93:4a:b9:bb:\n    1a:cd:4c:71:90:8b:cc:fd:7d:35:56:ec:0d:5b:13:\n    40:ff:da:bf:2b:00:b8:b4:a8:0d:9d:d2:56:8c:c4:\n    15:cf:41:2a:07:82:68:d1:75:d5:90:fe:59:bd:a9:\n    0d:0d:20:8c:01\nprime1:\n    00:fb:da:bd:25:f4:5f:9d:c0:9d:75:88:6b:c5:40:\n    12:cd:7d:3a:d3:04:dc:8f:9c:f1:77:d5:05:a2:99:\n    f1:90:81\nprime2:\n    00:e3:f8:dd:c6:b1:ba:e3:1a:9b:74:13:42:85:b9:\n    e1:cc:79:02:f0:b3:a2:56:cb:4f:0d:70:93:3f:26:\n    84:98:d9\nexponent1:\n    00:c9:02:31:c8:a3:1b:d5:3a:2f:f1:e8:69:ab:4a:\n    92:37:33:65:c9:99:ad:b7:69:59:47:7c:db:3c:85:\n    85:49:01\nexponent2:\n    11:6f:32:e6:c3:28:db:bd:69:2e:13:5a:ff:07:1c:\n    31:9a:ff:92:90:ea:55:60:ef:06:c4:19:3e:b7:1f:\n    64:e1\ncoefficient:\n    5b:02:58:6a:3d:96:f1:d5:43:84:cb:61:d8:7e:5d:\n    5f:7b:8f:fa:f4:4c:54:a9:22:93:dd:9b:a8:34:75:\n    62:4a\n',
    [
      '00:bf:2e:54:5c:7e:de:12:bb:1f:ba:93:4a:b9:bb:',
      '1a:cd:4c:71:90:8b:cc:fd:7d:35:56:ec:0d:5b:13:',
      '40:ff:da:bf:2b:00:b8:b4:a8:0d:9d:d2:56:8c:c4:',
      '15:cf:41:2a:07:82:68:d1:75:d5:90:fe:59:bd:a9:',
      '0d:0d:20:8c:01',
      '00:fb:da:bd:25:f4:5f:9d:c0:9d:75:88:6b:c5:40:',
      '12:cd:7d:3a:d3:04:dc:8f:9c:f1:77:d5:05:a2:99:',
      'f1:90:81',
      '00:e3:f8:dd:c6:b1:ba:e3:1a:9b:74:13:42:85:b9:',
      'e1:cc:79:02:f0:b3:a2:56:cb:4f:0d:70:93:3f:26:',
      '84:98:d9',
      '00:c9:02:31:c8:a3:1b:d5:3a:2f:f1:e8:69:ab:4a:',
      '92:37:33:65:c9:99:ad:b7:69:59:47:7c:db:3c:85:',
      '85:49:01',
      '11:6f:32:e6:c3:28:db:bd:69:2e:13:5a:ff:07:1c:',
      '31:9a:ff:92:90:ea:55:60:ef:06:c4:19:3e:b7:1f:',
      '64:e1',
      '5b:02:58:6a:3d:96:f1:d5:43:84:cb:61:d8:7e:5d:',
      '5f:7b:8f:fa:f4:4c:54:a9:22:93:dd:9b:a8:34:75:',
      '62:4a',
    ],
    [
      'Private-Key: (512 bit, 2 primes)',
      'modulus:\n    00:e0:47:cb:cf:33:c7:ad:f5:f9:c4:36:68:bb:8a:',
      'publicExponent: 65537 (0x10001)',
      'privateExponent:\n',
      'coefficient:\n',
    ],
  ],
  [
    'openssl ec -text and openssl pkey -text (X25519, DH): priv and private-key',
    'Private-Key: (256 bit)\npriv:\n    a8:25:ac:a3:97:20:56:7a:c2:25:d9:fe:f8:61:dd:\n    34:1a:83:a3:cd:8b:b9:0e:76:2f:b9:fb:7f:53:b0:\n    b6:ab\npub:\n    04:17:bc:d2:a0:ca:3a:95:f8:c0:c8:7f:7c:6c:da:\n    00:28:6a:f3:ff:b6:df:0c:fe:38:a6:3f:b7:6e:1a:\n    1b:cc:64:b4:83:52:86:e7:29:42:22:b3:04:5c:39:\n    39:78:c6:12:a1:31:0e:83:35:f3:58:75:59:72:5d:\n    f4:c4:72:11:0f\nASN1 OID: prime256v1\nNIST CURVE: P-256\nX25519 Private-Key:\npriv:\n    90:ee:95:a1:9d:91:c6:bb:37:15:05:42:18:f4:0f:\n    64:ff:20:da:61:8e:57:63:d1:31:61:d3:12:78:b2:\n    c5:6d\npub:\n    64:78:2f:fe:a8:9f:c3:b2:e1:56:d9:96:ed:9e:75:\n    e5:f4:be:b8:bf:d1:d0:e3:6c:1d:47:6d:9a:c3:af:\n    9b:11\nDH Private-Key: (512 bit)\nprivate-key:\n    3a:29:64:3a:e1:51:fd:5c:8e:0b:f3:7d:0f:31:0a:\n    89:01:56:d1:fc:37:10:e5:8c:df:56:60:9a:79:dd:\n    53:b7:96:33:44:a0:78:df:a9:0d:9c:15:03:72:de:\n    2a:8b:29:0a:2a:19:5f:6b:39:53:d1:a4:1d:10:9f:\n    15:96:a2:4c\npublic-key:\n    11:cb:b2:c6:12:b5:a7:f2:2a:82:5c:af:19:bf:11:\n    34:58:be:22:80:ef:05:1b:b4:6b:9a:22:bf:08:d4:\n    83:4b:8e:2a:ef:92:5c:06:cc:e7:e5:4d:7f:7a:8d:\n    6c:91:22:6d:06:f3:3d:17:a1:e9:b0:27:e7:22:ab:\n    83:6f:a8:03\nP:   \n    00:8a:a6:82:0f:90:93:20:a8:25:cc:f3:ab:76:d0:\n    86:de:41:d9:19:76:ee:03:7f:72:9d:17:2e:6d:aa:\n    18:f9:3d:6d:3d:45:df:2b:7b:99:82:58:c7:57:43:\n    b5:ef:9b:ed:dc:71:cd:71:62:a0:cf:f2:d9:7a:51:\n    84:9d:4c:79:a7\nG:    2 (0x2)\n',
    [
      'a8:25:ac:a3:97:20:56:7a:c2:25:d9:fe:f8:61:dd:',
      '34:1a:83:a3:cd:8b:b9:0e:76:2f:b9:fb:7f:53:b0:',
      'b6:ab',
      '90:ee:95:a1:9d:91:c6:bb:37:15:05:42:18:f4:0f:',
      '64:ff:20:da:61:8e:57:63:d1:31:61:d3:12:78:b2:',
      'c5:6d',
      '3a:29:64:3a:e1:51:fd:5c:8e:0b:f3:7d:0f:31:0a:',
      '89:01:56:d1:fc:37:10:e5:8c:df:56:60:9a:79:dd:',
      '53:b7:96:33:44:a0:78:df:a9:0d:9c:15:03:72:de:',
      '2a:8b:29:0a:2a:19:5f:6b:39:53:d1:a4:1d:10:9f:',
      '15:96:a2:4c',
    ],
    [
      'Private-Key: (256 bit)',
      'pub:\n    04:17:bc:d2:a0:ca:3a:95:f8:c0:c8:7f:7c:6c:da:',
      'ASN1 OID: prime256v1',
      'X25519 Private-Key:\npriv:\n',
      'pub:\n    64:78:2f:fe:a8:9f:c3:b2:e1:56:d9:96:ed:9e:75:',
      'DH Private-Key: (512 bit)',
      'public-key:\n    11:cb:b2:c6:12:b5:a7:f2:2a:82:5c:af:19:bf:11:',
      'G:    2 (0x2)',
    ],
  ],
  // Real output gathered by an outside pass (Debian 12 tools; the passwords are planted values)
  [
    'redis-cli CONFIG GET when its output is not a terminal (raw) and --csv',
    'requirepass\nRedis-Req-Pass-42\ntls-key-file-pass\n\nmaxmemory\n0\n"requirepass","Redis-Csv-Pass-43"\n',
    ['Redis-Req-Pass-42', 'Redis-Csv-Pass-43'],
    ['requirepass\n', 'tls-key-file-pass\n\nmaxmemory\n0\n', '"requirepass",'],
  ],
  [
    'passwords on command lines as ps prints them: sshpass, openssl -k/-hmac, htpasswd -b, gpg --passphrase, ssh-keygen -P/-N',
    '25764 root     openssl dgst -sha256 -hmac Ps-Hmac-Key-101 file 30\n25768 root     sshpass -p Ps-Sshpass-303 ssh deploy@host 30\n25776 root     htpasswd -b /etc/nginx/.htpasswd alice Ps-Ht-808 30\n25777 root     htpasswd -nbB bob Ps-Ht-809\n25778 root     htpasswd -c -b /etc/h carol Ps-Ht-810\n25783 root     gpg --batch --passphrase Ps-Gpg-222 -d secret.gpg 30\n25784 root     gpg --passphrase=Ps-Gpg-223 -d x\n25787 root     openssl enc -d -aes256 -k Ps-Enc-K-444 -in f 30\n25793 root     ssh-keygen -p -P Ps-Old-Pass-666 -N Ps-New-Pass-777 -f id 30\n',
    [
      'Ps-Hmac-Key-101',
      'Ps-Sshpass-303',
      'Ps-Ht-808',
      'Ps-Ht-809',
      'Ps-Ht-810',
      'Ps-Gpg-222',
      'Ps-Gpg-223',
      'Ps-Enc-K-444',
      'Ps-Old-Pass-666',
      'Ps-New-Pass-777',
    ],
    [
      'openssl dgst -sha256 -hmac ',
      ' file 30',
      'sshpass -p ',
      ' ssh deploy@host',
      'htpasswd -b /etc/nginx/.htpasswd alice ',
      'htpasswd -nbB bob ',
      '-d secret.gpg',
      'ssh-keygen -p -P ',
      ' -f id 30',
    ],
  ],
  [
    'haproxy.cfg: userlist passwords, insecure-password and stats auth',
    'userlist admins\n    user ops password $6$P68TOTeVZy5BDrcd$ITQbbRM2.CBSu0EKvQMK6JoyBY6EvpylKa7Kv0hwUtfBemBMmDUrkdGKRU85yQeAVepPWSXVeCcWSw7.xS.aN/\n    user dev insecure-password Hap-Insecure-Pw-1\nfrontend stats\n    stats enable\n    stats auth admin:Hap-Stats-Pw-2\n',
    [
      'ITQbbRM2.CBSu0EKvQMK6JoyBY6EvpylKa7Kv0hwUtfBemBMmDUrkdGKRU85yQeAVepPWSXVeCcWSw7.xS.aN/',
      'Hap-Insecure-Pw-1',
      'Hap-Stats-Pw-2',
    ],
    ['user ops password ', 'user dev insecure-password ', 'stats auth admin:', 'stats enable'],
  ],
  [
    'puttygen -O text: the private values',
    'key_type="RSA"\npublic_exponent=0x10001\nprivate_exponent=0x650857fafa2a50f7cfbfb59e1b3a1dc9f7d97b379cae7d627c369057214019a2\nprivate_p=0xe20e6a19e76cec527d12f9515102429252678f670c3826b43fb8499b9965fe62\nprivate_q=0xb9836887d4212ce71e237d7021321d10e2010dc8b2e540d30677cc8b9ddf0aa1\nprivate_inverse_q_mod_p=0x3a5e0fd8b9a2e6c1d4f7a8b3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3\n',
    [
      '650857fafa2a50f7cfbfb59e1b3a1dc9f7d97b379cae7d627c369057214019a2',
      'e20e6a19e76cec527d12f9515102429252678f670c3826b43fb8499b9965fe62',
      'b9836887d4212ce71e237d7021321d10e2010dc8b2e540d30677cc8b9ddf0aa1',
      '3a5e0fd8b9a2e6c1d4f7a8b3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3',
    ],
    ['key_type="RSA"', 'public_exponent=0x10001', 'private_exponent=', 'private_inverse_q_mod_p='],
  ],
  [
    'a gpg-agent key file (private-keys-v1.d) without a passphrase: d, p, q and u',
    'Created: 20261204T215015\nKey: (private-key (rsa (n #00960308D5A0E5DEA9A36C299488F6A721D858438FC2\n 9FD2E68330C19E0E3DC3E152CE65998F5AC6E52311CAD8AE0A2D9764FDF81DC16ADB6E\n 0EB54C3F94271E59594DEB022BA6CA7D81CB0F7436320D52AADE1C1D7A4F94F15265BD\n F650C442F53EEE00F6760BA3DC2926EF91F3182854CCB5C93F6A509508E47C096A8779\n 04ECBD2FFE0EEF5FF859778B911CAB94A347B06B7C1E3E2F791A2829AC162AA7B29488\n DF38C302B9161390C8378774543F1C36295BF73A839F9C42F8CB20E4551085ECBC6E8A\n 8A32C167AF8A56143F4D4D32320C20540813E0F94B6A73F1EC709BC5D28486F83C55F1\n CAB40D479F653A69D0F86625FF2F0549D8C5D8880135863D2D#)(e #010001#)(d\n  #24B4665F7B0873B45737BA6ECD1A68E7879B852072530FD3F62AA25D4D87C05B6C1A\n F35220F8E9AC9C2998D3EEB5AFD518D16979C25F2684A5D5A76BF110A744DE6C89C194\n B3B15D073A8BB3F824C40CC3A12808F069F37C1E98A563D4FC4893E04B74F1D90D5D11\n 1C029A60C035DB7C704054970F28DB667B1D7C6253F681051A14FA177B96690ECC3BCD\n FC063C8BA7A373216237C8759F195CDB872FB2B325BC4B30C567AEB08A96616A766C7F\n C7F8117ECE78798800DDE3694D2C59774A811ACCBB6EF2D3A1B07011A72F339C02F092\n EF496F1D9B1AC0C56A96D84A237669E5215DDFE1202DC8E773C83C204D560FB2B20DB5\n 5B013FFFC0ED74DDF9E0F4A3#)(p #00C064B5C6BEFBB6E5ED2D13E450C686D8AE4476\n B3B603E1CD2BD85C2FE2A10963248342415B3F1D679DC4AD12AAB1C6510CC94B933457\n D2D527DEFED587AA82390F8BB3E3DFDB0D5E49B7826E63286F6E9F7C22EF145E28860F\n D4122836032EB442D7B3BA4D18F759CF4655C8258A1CECB630EE19AC1C48D9DCA939A8\n F57A676F#)(q #00C79B588EFB28D135837262B0928B5953DBE5A205E99969B26CBFB5\n 7B404F183C500FBB2401B9030D5DCAF90DAA40C4E62EA74E76E901107A2F20142811EF\n 0D676678ECD948F100BCC794C8CB570F544AA69BB3B2074144E686B80E1A82756E73A9\n B1746EAEAF3AEFC2A868D17C27B5A89C6139EAE14A83F60B31A7F684E2F723#)(u\n  #1BA3B06DC58C92C9CA923F5E1A11294CFF800F64AA38354C10CB507D1774F3847199\n 96A67415789B7125F54D379F16A1C3F95310EC0A3626CFF94FDDA0B847BE0B0B5556A8\n 31DB0254309B41FD2E078CDE0FCCD733A844C067CC3DAEAE3ED18A17F4FBF204AA8D27\n B9AAD97E40A3EFB245299BAD65A979AF7547200C575B7714#)))\n\n',
    [
      '24B4665F7B0873B45737BA6ECD1A68E7879B852072530FD3F62AA25D4D87C05B6C1A',
      '1C029A60C035DB7C704054970F28DB667B1D7C6253F681051A14FA177B96690ECC3BCD',
      'B3B603E1CD2BD85C2FE2A10963248342415B3F1D679DC4AD12AAB1C6510CC94B933457',
      '00C79B588EFB28D135837262B0928B5953DBE5A205E99969B26CBFB5',
    ],
    ['Created: 20261204T215015', '(e #010001#)', 'CAB40D479F653A69D0F86625FF2F0549D8C5D8880135863D2D#)'],
  ],
];

for (const [what, input, secrets, kept] of cases) {
  test(`attack: ${what}`, () => {
    const r = createRedactor();
    for (const out of everyWay(r, input)) {
      for (const s of secrets) assert.ok(!leaked(s, input, out), `${s} leaked:\n${out}`);
      for (const k of kept) assert.ok(out.includes(k), `${k} lost:\n${out}`);
    }
  });
}

test('hard negatives: colon-separated records, prose and capability lines are kept', () => {
  const r = createRedactor({ level: 'strict' });
  const kept = [
    'root:x:0:0:root:/root:/bin/bash',
    '12:30:45:123:info',
    '2024-05-01 12:30:45:123:worker:started',
    'app:8080:GET:/health:200',
    'the machine learning password reset flow is documented',
    'password policy updated',
    '250-AUTH LOGIN PLAIN',
    '250 AUTH PLAIN LOGIN NTLM',
    'S: 250-AUTH=LOGIN CRAM-MD5',
    'order 4417 identified by reference',
    'AUTH LOGIN',
    '10:42:01 auth: "AUTH" failed for user "svc"',
    'Private-Lines: 1',
    'Private-Lines: 3\nnot base64 here',
    'priv:\n  enabled: true',
    'coefficient: 0.75',
    'exponent2:\nvalue 3',
    'RSA key (2048 bit, 2 primes) loaded',
    'requirepass\nmasterauth\n',
    'sshpass -p\n',
    'htpasswd -c /etc/nginx/.htpasswd alice',
    'user ops groups admins',
    'stats auth\n',
    'private_key_file=/etc/ssl/private/app.key',
    '(q #00C79B588EFB28D135837262B0928B5953DBE5A205E99969B26CBFB5#)',
  ];
  for (const line of kept) {
    const text = `${line}\n`;
    assert.equal(r.redactText(text).text, text, line);
  }
});
