;; The run pre-scan (ADR 0009): one pass over a text that lists every maximal run of number
;; characters ([\d .()+-]) and of base64 characters ([A-Za-z0-9+/]) a detector can use, and the
;; places where the literal-led detectors may start, so those detectors read the text only there.
;;
;; This file is the source of the module. `npm run wasm -w @glovebox/redact` compiles it with wabt
;; (a devDependency) into src/prescan-wasm.ts, which is what prescan.ts loads; prescan-wasm.test.ts
;; fails when the two differ (ADR 0017 says why the bytes are checked in).
;;
;; scan(n, num_out, b64_out, list_out, list_cap) -> number-run count
;;   The text (UTF-16LE code units, at 4096, zero-padded to whole 64-character words past n) is
;;   classified 16 characters at a time into 64-bit masks per word (bit i = character $base + i);
;;   runs of at least 7 number characters and at least 40 base64 characters are found with shifts
;;   (a run of k ends where the mask ANDed with itself moved 1...k-1 characters later is set), and
;;   only their ends are visited. Number runs holding at least eight digits or three dots go to
;;   num_out as [start, end, digits], base64 runs to b64_out as [start, end], both in text order.
;;   Literal candidates go to eight lists of i32 positions at list_out + k * list_cap.
;;
;; Memory (written by prescan.ts, whose constants must agree):
;;      128  base64-run count (i32)
;;      132  the count of each candidate list k at 132 + 4k (i32 x 8)
;;      256  key-hint automaton: next state, 28 symbols per state, 128 states (u8)
;;     3840  final flag per automaton state (u8 x 128)
;;     3968  automaton symbol of each ASCII character (u8 x 128): 0-25 a letter in either case,
;;           26 anything else, 27 a separator inside key names (_ - . [ ]), which keeps the state
;;     4096  the text, then the outputs (placed by the caller)
;;
;; Locals: each 64-bit mask has a `p` twin holding its value for the previous word, which the shifts
;; bring in across the word boundary: (x << s) | (xp >>> (64 - s)) is x moved s characters later.
;;   $r number-run characters, $g digits, $t dots, $bq base64 characters, $u upper-case letters,
;;   $ea $eg $eo $es exactly A G O S, $cX letter X in either case, $usc `_`, $colon $slash $dash,
;;   $al any ASCII letter, $kcm key characters [A-Za-z0-9_.\[\]-], $skm what may stand between a key
;;   and its delimiter (blank, tab, quote, backslash), $dlm delimiters (= :); $n2 $n7 number runs of
;;   2 and 7 in a row, $b2...$b40 base64 runs; $x $y $z $k1-$k3 scratch. v128 constants are splats
;;   (every byte the same), written as i32x4 by wabt's printer.
(module
  (type (;0;) (func (param i32 i32 i32 i32 i32) (result i32)))
  (func $scan
    (type 0)
    (param $n i32) (param $num_out i32) (param $b64_out i32) (param $list_out i32)
    (param $list_cap i32)
    (result i32)
    (local $base i32) (local $np i32) (local $bp i32) (local $pos i32) (local $start i32)
    (local $d0 i32) (local $t0 i32) (local $d1 i32) (local $t1 i32) (local $dbase i32)
    (local $tbase i32) (local $last_n i32) (local $last_nd i32) (local $last_nt i32)
    (local $last_b i32) (local $hb i32) (local $list_ptr0 i32) (local $list_ptr1 i32)
    (local $list_ptr2 i32) (local $list_ptr3 i32) (local $list_ptr4 i32) (local $list_ptr5 i32)
    (local $list_ptr6 i32) (local $list_ptr7 i32) (local $lns i32) (local $lkc i32)
    (local $lkcs i32) (local $q i32) (local $ks i32) (local $st i32) (local $ki i32) (local $r i64)
    (local $g i64) (local $t i64) (local $b i64) (local $rp i64) (local $n2 i64) (local $n2p i64)
    (local $n7 i64) (local $n7p i64) (local $bq i64) (local $b2 i64) (local $b2p i64)
    (local $b4 i64) (local $b4p i64) (local $b8 i64) (local $b8p i64) (local $b16 i64)
    (local $b16p i64) (local $b40 i64) (local $b40p i64) (local $x i64) (local $y i64)
    (local $u i64) (local $up i64) (local $gp i64) (local $ea i64) (local $eap i64) (local $eg i64)
    (local $egp i64) (local $eo i64) (local $es i64) (local $esp i64) (local $cb i64)
    (local $cbp i64) (local $ce i64) (local $cep i64) (local $ca i64) (local $cap i64)
    (local $cs i64) (local $csp i64) (local $ci i64) (local $cip i64) (local $cr i64)
    (local $cc i64) (local $kcm i64) (local $skm i64) (local $dlm i64) (local $z i64)
    (local $colon i64) (local $colonp i64) (local $slash i64) (local $slashp i64) (local $dash i64)
    (local $dashp i64) (local $al i64) (local $cg i64) (local $cgp i64) (local $ch i64)
    (local $chp i64) (local $usc i64) (local $ct i64) (local $ctp i64) (local $cx i64)
    (local $cxp i64) (local $co i64) (local $ck i64) (local $ckp i64) (local $cw i64)
    (local $cwp i64) (local $cm i64) (local $cmp i64) (local $cp i64) (local $cpp i64)
    (local $k1 i64) (local $k1p i64) (local $k2 i64) (local $k2p i64) (local $k3 i64)
    (local $k3p i64) (local $v v128) (local $vl v128)
    (local.set $np (local.get $num_out))
    (local.set $bp (local.get $b64_out))
    (local.set $list_ptr0
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 0))))
    (local.set $list_ptr1
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 1))))
    (local.set $list_ptr2
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 2))))
    (local.set $list_ptr3
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 3))))
    (local.set $list_ptr4
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 4))))
    (local.set $list_ptr5
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 5))))
    (local.set $list_ptr6
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 6))))
    (local.set $list_ptr7
      (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 7))))
    (local.set $lns (i32.const -1))
    (local.set $lkc (i32.const -2))
    ;; one 64-character word per iteration, from $base, up to and including the word holding position n
    (block (;@1;)
      (loop (;@2;)
        ;; the class masks of the word, 16 characters at a time: UTF-16 narrowed to bytes with saturation
        ;; (beyond Latin-1 reads as 0 or 255, in no class); $vl is every byte ORed with 0x20, which maps only
        ;; A-Z onto a-z
        (local.set $r (i64.const 0))
        (local.set $g (i64.const 0))
        (local.set $t (i64.const 0))
        (local.set $bq (i64.const 0))
        (local.set $u (i64.const 0))
        (local.set $ea (i64.const 0))
        (local.set $eg (i64.const 0))
        (local.set $eo (i64.const 0))
        (local.set $es (i64.const 0))
        (local.set $cb (i64.const 0))
        (local.set $ce (i64.const 0))
        (local.set $ca (i64.const 0))
        (local.set $cs (i64.const 0))
        (local.set $ci (i64.const 0))
        (local.set $cr (i64.const 0))
        (local.set $cc (i64.const 0))
        (local.set $kcm (i64.const 0))
        (local.set $skm (i64.const 0))
        (local.set $dlm (i64.const 0))
        (local.set $colon (i64.const 0))
        (local.set $slash (i64.const 0))
        (local.set $dash (i64.const 0))
        (local.set $al (i64.const 0))
        (local.set $cg (i64.const 0))
        (local.set $ch (i64.const 0))
        (local.set $usc (i64.const 0))
        (local.set $ct (i64.const 0))
        (local.set $cx (i64.const 0))
        (local.set $co (i64.const 0))
        (local.set $ck (i64.const 0))
        (local.set $cw (i64.const 0))
        (local.set $cm (i64.const 0))
        (local.set $cp (i64.const 0))
        ;; characters 0-15
        (local.set $vl
          (v128.or
            (local.tee $v
              (i8x16.narrow_i16x8_u
                (v128.load offset=4096 (i32.add (local.get $base) (local.get $base)))
                (v128.load offset=4112 (i32.add (local.get $base) (local.get $base)))))
            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $r
          (i64.or
            (local.get $r)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                              (i8x16.eq
                                (local.get $v)
                                (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x29292929 0x29292929 0x29292929 0x29292929)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x28282828 0x28282828 0x28282828 0x28282828)))))
              (i64.const 0))))
        (local.set $g
          (i64.or
            (local.get $g)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                    (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))))
              (i64.const 0))))
        (local.set $t
          (i64.or
            (local.get $t)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e))))
              (i64.const 0))))
        (local.set $bq
          (i64.or
            (local.get $bq)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                            (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                            (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                        (i8x16.lt_u
                          (i8x16.sub
                            (local.get $v)
                            (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                          (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f)))))
              (i64.const 0))))
        (local.set $u
          (i64.or
            (local.get $u)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 0))))
        (local.set $ea
          (i64.or
            (local.get $ea)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))))
              (i64.const 0))))
        (local.set $eg
          (i64.or
            (local.get $eg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x47474747 0x47474747 0x47474747 0x47474747))))
              (i64.const 0))))
        (local.set $eo
          (i64.or
            (local.get $eo)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f))))
              (i64.const 0))))
        (local.set $es
          (i64.or
            (local.get $es)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x53535353 0x53535353 0x53535353 0x53535353))))
              (i64.const 0))))
        (local.set $cb
          (i64.or
            (local.get $cb)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x62626262 0x62626262 0x62626262 0x62626262))))
              (i64.const 0))))
        (local.set $ce
          (i64.or
            (local.get $ce)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x65656565 0x65656565 0x65656565 0x65656565))))
              (i64.const 0))))
        (local.set $ca
          (i64.or
            (local.get $ca)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))))
              (i64.const 0))))
        (local.set $cs
          (i64.or
            (local.get $cs)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x73737373 0x73737373 0x73737373 0x73737373))))
              (i64.const 0))))
        (local.set $ci
          (i64.or
            (local.get $ci)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x69696969 0x69696969 0x69696969 0x69696969))))
              (i64.const 0))))
        (local.set $cr
          (i64.or
            (local.get $cr)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x72727272 0x72727272 0x72727272 0x72727272))))
              (i64.const 0))))
        (local.set $cc
          (i64.or
            (local.get $cc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x63636363 0x63636363 0x63636363 0x63636363))))
              (i64.const 0))))
        (local.set $kcm
          (i64.or
            (local.get $kcm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (v128.or
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                  (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                                  (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                                (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d)))))
              (i64.const 0))))
        (local.set $skm
          (i64.or
            (local.get $skm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x09090909 0x09090909 0x09090909 0x09090909)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x22222222 0x22222222 0x22222222 0x22222222)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x27272727 0x27272727 0x27272727 0x27272727)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c)))))
              (i64.const 0))))
        (local.set $dlm
          (i64.or
            (local.get $dlm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a)))))
              (i64.const 0))))
        (local.set $colon
          (i64.or
            (local.get $colon)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a))))
              (i64.const 0))))
        (local.set $slash
          (i64.or
            (local.get $slash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f))))
              (i64.const 0))))
        (local.set $dash
          (i64.or
            (local.get $dash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d))))
              (i64.const 0))))
        (local.set $al
          (i64.or
            (local.get $al)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $vl)
                      (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 0))))
        (local.set $cg
          (i64.or
            (local.get $cg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x67676767 0x67676767 0x67676767 0x67676767))))
              (i64.const 0))))
        (local.set $ch
          (i64.or
            (local.get $ch)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x68686868 0x68686868 0x68686868 0x68686868))))
              (i64.const 0))))
        (local.set $usc
          (i64.or
            (local.get $usc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f))))
              (i64.const 0))))
        (local.set $ct
          (i64.or
            (local.get $ct)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x74747474 0x74747474 0x74747474 0x74747474))))
              (i64.const 0))))
        (local.set $cx
          (i64.or
            (local.get $cx)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x78787878 0x78787878 0x78787878 0x78787878))))
              (i64.const 0))))
        (local.set $co
          (i64.or
            (local.get $co)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f))))
              (i64.const 0))))
        (local.set $ck
          (i64.or
            (local.get $ck)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b))))
              (i64.const 0))))
        (local.set $cw
          (i64.or
            (local.get $cw)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x77777777 0x77777777 0x77777777 0x77777777))))
              (i64.const 0))))
        (local.set $cm
          (i64.or
            (local.get $cm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d))))
              (i64.const 0))))
        (local.set $cp
          (i64.or
            (local.get $cp)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x70707070 0x70707070 0x70707070 0x70707070))))
              (i64.const 0))))
        ;; characters 16-31
        (local.set $vl
          (v128.or
            (local.tee $v
              (i8x16.narrow_i16x8_u
                (v128.load offset=4128 (i32.add (local.get $base) (local.get $base)))
                (v128.load offset=4144 (i32.add (local.get $base) (local.get $base)))))
            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $r
          (i64.or
            (local.get $r)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                              (i8x16.eq
                                (local.get $v)
                                (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x29292929 0x29292929 0x29292929 0x29292929)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x28282828 0x28282828 0x28282828 0x28282828)))))
              (i64.const 16))))
        (local.set $g
          (i64.or
            (local.get $g)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                    (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))))
              (i64.const 16))))
        (local.set $t
          (i64.or
            (local.get $t)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e))))
              (i64.const 16))))
        (local.set $bq
          (i64.or
            (local.get $bq)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                            (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                            (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                        (i8x16.lt_u
                          (i8x16.sub
                            (local.get $v)
                            (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                          (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f)))))
              (i64.const 16))))
        (local.set $u
          (i64.or
            (local.get $u)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 16))))
        (local.set $ea
          (i64.or
            (local.get $ea)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))))
              (i64.const 16))))
        (local.set $eg
          (i64.or
            (local.get $eg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x47474747 0x47474747 0x47474747 0x47474747))))
              (i64.const 16))))
        (local.set $eo
          (i64.or
            (local.get $eo)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f))))
              (i64.const 16))))
        (local.set $es
          (i64.or
            (local.get $es)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x53535353 0x53535353 0x53535353 0x53535353))))
              (i64.const 16))))
        (local.set $cb
          (i64.or
            (local.get $cb)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x62626262 0x62626262 0x62626262 0x62626262))))
              (i64.const 16))))
        (local.set $ce
          (i64.or
            (local.get $ce)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x65656565 0x65656565 0x65656565 0x65656565))))
              (i64.const 16))))
        (local.set $ca
          (i64.or
            (local.get $ca)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))))
              (i64.const 16))))
        (local.set $cs
          (i64.or
            (local.get $cs)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x73737373 0x73737373 0x73737373 0x73737373))))
              (i64.const 16))))
        (local.set $ci
          (i64.or
            (local.get $ci)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x69696969 0x69696969 0x69696969 0x69696969))))
              (i64.const 16))))
        (local.set $cr
          (i64.or
            (local.get $cr)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x72727272 0x72727272 0x72727272 0x72727272))))
              (i64.const 16))))
        (local.set $cc
          (i64.or
            (local.get $cc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x63636363 0x63636363 0x63636363 0x63636363))))
              (i64.const 16))))
        (local.set $kcm
          (i64.or
            (local.get $kcm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (v128.or
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                  (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                                  (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                                (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d)))))
              (i64.const 16))))
        (local.set $skm
          (i64.or
            (local.get $skm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x09090909 0x09090909 0x09090909 0x09090909)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x22222222 0x22222222 0x22222222 0x22222222)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x27272727 0x27272727 0x27272727 0x27272727)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c)))))
              (i64.const 16))))
        (local.set $dlm
          (i64.or
            (local.get $dlm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a)))))
              (i64.const 16))))
        (local.set $colon
          (i64.or
            (local.get $colon)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a))))
              (i64.const 16))))
        (local.set $slash
          (i64.or
            (local.get $slash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f))))
              (i64.const 16))))
        (local.set $dash
          (i64.or
            (local.get $dash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d))))
              (i64.const 16))))
        (local.set $al
          (i64.or
            (local.get $al)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $vl)
                      (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 16))))
        (local.set $cg
          (i64.or
            (local.get $cg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x67676767 0x67676767 0x67676767 0x67676767))))
              (i64.const 16))))
        (local.set $ch
          (i64.or
            (local.get $ch)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x68686868 0x68686868 0x68686868 0x68686868))))
              (i64.const 16))))
        (local.set $usc
          (i64.or
            (local.get $usc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f))))
              (i64.const 16))))
        (local.set $ct
          (i64.or
            (local.get $ct)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x74747474 0x74747474 0x74747474 0x74747474))))
              (i64.const 16))))
        (local.set $cx
          (i64.or
            (local.get $cx)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x78787878 0x78787878 0x78787878 0x78787878))))
              (i64.const 16))))
        (local.set $co
          (i64.or
            (local.get $co)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f))))
              (i64.const 16))))
        (local.set $ck
          (i64.or
            (local.get $ck)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b))))
              (i64.const 16))))
        (local.set $cw
          (i64.or
            (local.get $cw)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x77777777 0x77777777 0x77777777 0x77777777))))
              (i64.const 16))))
        (local.set $cm
          (i64.or
            (local.get $cm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d))))
              (i64.const 16))))
        (local.set $cp
          (i64.or
            (local.get $cp)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x70707070 0x70707070 0x70707070 0x70707070))))
              (i64.const 16))))
        ;; characters 32-47
        (local.set $vl
          (v128.or
            (local.tee $v
              (i8x16.narrow_i16x8_u
                (v128.load offset=4160 (i32.add (local.get $base) (local.get $base)))
                (v128.load offset=4176 (i32.add (local.get $base) (local.get $base)))))
            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $r
          (i64.or
            (local.get $r)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                              (i8x16.eq
                                (local.get $v)
                                (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x29292929 0x29292929 0x29292929 0x29292929)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x28282828 0x28282828 0x28282828 0x28282828)))))
              (i64.const 32))))
        (local.set $g
          (i64.or
            (local.get $g)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                    (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))))
              (i64.const 32))))
        (local.set $t
          (i64.or
            (local.get $t)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e))))
              (i64.const 32))))
        (local.set $bq
          (i64.or
            (local.get $bq)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                            (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                            (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                        (i8x16.lt_u
                          (i8x16.sub
                            (local.get $v)
                            (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                          (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f)))))
              (i64.const 32))))
        (local.set $u
          (i64.or
            (local.get $u)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 32))))
        (local.set $ea
          (i64.or
            (local.get $ea)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))))
              (i64.const 32))))
        (local.set $eg
          (i64.or
            (local.get $eg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x47474747 0x47474747 0x47474747 0x47474747))))
              (i64.const 32))))
        (local.set $eo
          (i64.or
            (local.get $eo)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f))))
              (i64.const 32))))
        (local.set $es
          (i64.or
            (local.get $es)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x53535353 0x53535353 0x53535353 0x53535353))))
              (i64.const 32))))
        (local.set $cb
          (i64.or
            (local.get $cb)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x62626262 0x62626262 0x62626262 0x62626262))))
              (i64.const 32))))
        (local.set $ce
          (i64.or
            (local.get $ce)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x65656565 0x65656565 0x65656565 0x65656565))))
              (i64.const 32))))
        (local.set $ca
          (i64.or
            (local.get $ca)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))))
              (i64.const 32))))
        (local.set $cs
          (i64.or
            (local.get $cs)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x73737373 0x73737373 0x73737373 0x73737373))))
              (i64.const 32))))
        (local.set $ci
          (i64.or
            (local.get $ci)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x69696969 0x69696969 0x69696969 0x69696969))))
              (i64.const 32))))
        (local.set $cr
          (i64.or
            (local.get $cr)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x72727272 0x72727272 0x72727272 0x72727272))))
              (i64.const 32))))
        (local.set $cc
          (i64.or
            (local.get $cc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x63636363 0x63636363 0x63636363 0x63636363))))
              (i64.const 32))))
        (local.set $kcm
          (i64.or
            (local.get $kcm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (v128.or
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                  (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                                  (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                                (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d)))))
              (i64.const 32))))
        (local.set $skm
          (i64.or
            (local.get $skm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x09090909 0x09090909 0x09090909 0x09090909)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x22222222 0x22222222 0x22222222 0x22222222)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x27272727 0x27272727 0x27272727 0x27272727)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c)))))
              (i64.const 32))))
        (local.set $dlm
          (i64.or
            (local.get $dlm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a)))))
              (i64.const 32))))
        (local.set $colon
          (i64.or
            (local.get $colon)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a))))
              (i64.const 32))))
        (local.set $slash
          (i64.or
            (local.get $slash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f))))
              (i64.const 32))))
        (local.set $dash
          (i64.or
            (local.get $dash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d))))
              (i64.const 32))))
        (local.set $al
          (i64.or
            (local.get $al)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $vl)
                      (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 32))))
        (local.set $cg
          (i64.or
            (local.get $cg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x67676767 0x67676767 0x67676767 0x67676767))))
              (i64.const 32))))
        (local.set $ch
          (i64.or
            (local.get $ch)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x68686868 0x68686868 0x68686868 0x68686868))))
              (i64.const 32))))
        (local.set $usc
          (i64.or
            (local.get $usc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f))))
              (i64.const 32))))
        (local.set $ct
          (i64.or
            (local.get $ct)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x74747474 0x74747474 0x74747474 0x74747474))))
              (i64.const 32))))
        (local.set $cx
          (i64.or
            (local.get $cx)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x78787878 0x78787878 0x78787878 0x78787878))))
              (i64.const 32))))
        (local.set $co
          (i64.or
            (local.get $co)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f))))
              (i64.const 32))))
        (local.set $ck
          (i64.or
            (local.get $ck)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b))))
              (i64.const 32))))
        (local.set $cw
          (i64.or
            (local.get $cw)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x77777777 0x77777777 0x77777777 0x77777777))))
              (i64.const 32))))
        (local.set $cm
          (i64.or
            (local.get $cm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d))))
              (i64.const 32))))
        (local.set $cp
          (i64.or
            (local.get $cp)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x70707070 0x70707070 0x70707070 0x70707070))))
              (i64.const 32))))
        ;; characters 48-63
        (local.set $vl
          (v128.or
            (local.tee $v
              (i8x16.narrow_i16x8_u
                (v128.load offset=4192 (i32.add (local.get $base) (local.get $base)))
                (v128.load offset=4208 (i32.add (local.get $base) (local.get $base)))))
            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $r
          (i64.or
            (local.get $r)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                              (i8x16.eq
                                (local.get $v)
                                (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x29292929 0x29292929 0x29292929 0x29292929)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x28282828 0x28282828 0x28282828 0x28282828)))))
              (i64.const 48))))
        (local.set $g
          (i64.or
            (local.get $g)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                    (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))))
              (i64.const 48))))
        (local.set $t
          (i64.or
            (local.get $t)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e))))
              (i64.const 48))))
        (local.set $bq
          (i64.or
            (local.get $bq)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                            (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                          (i8x16.lt_u
                            (i8x16.sub
                              (local.get $v)
                              (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                            (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                        (i8x16.lt_u
                          (i8x16.sub
                            (local.get $v)
                            (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                          (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b 0x2b2b2b2b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f)))))
              (i64.const 48))))
        (local.set $u
          (i64.or
            (local.get $u)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $v)
                      (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 48))))
        (local.set $ea
          (i64.or
            (local.get $ea)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))))
              (i64.const 48))))
        (local.set $eg
          (i64.or
            (local.get $eg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x47474747 0x47474747 0x47474747 0x47474747))))
              (i64.const 48))))
        (local.set $eo
          (i64.or
            (local.get $eo)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f 0x4f4f4f4f))))
              (i64.const 48))))
        (local.set $es
          (i64.or
            (local.get $es)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x53535353 0x53535353 0x53535353 0x53535353))))
              (i64.const 48))))
        (local.set $cb
          (i64.or
            (local.get $cb)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x62626262 0x62626262 0x62626262 0x62626262))))
              (i64.const 48))))
        (local.set $ce
          (i64.or
            (local.get $ce)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x65656565 0x65656565 0x65656565 0x65656565))))
              (i64.const 48))))
        (local.set $ca
          (i64.or
            (local.get $ca)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))))
              (i64.const 48))))
        (local.set $cs
          (i64.or
            (local.get $cs)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x73737373 0x73737373 0x73737373 0x73737373))))
              (i64.const 48))))
        (local.set $ci
          (i64.or
            (local.get $ci)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x69696969 0x69696969 0x69696969 0x69696969))))
              (i64.const 48))))
        (local.set $cr
          (i64.or
            (local.get $cr)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x72727272 0x72727272 0x72727272 0x72727272))))
              (i64.const 48))))
        (local.set $cc
          (i64.or
            (local.get $cc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x63636363 0x63636363 0x63636363 0x63636363))))
              (i64.const 48))))
        (local.set $kcm
          (i64.or
            (local.get $kcm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (v128.or
                            (v128.or
                              (v128.or
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x30303030 0x30303030 0x30303030 0x30303030))
                                  (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
                                (i8x16.lt_u
                                  (i8x16.sub
                                    (local.get $v)
                                    (v128.const i32x4 0x41414141 0x41414141 0x41414141 0x41414141))
                                  (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                              (i8x16.lt_u
                                (i8x16.sub
                                  (local.get $v)
                                  (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                                (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a)))
                            (i8x16.eq
                              (local.get $v)
                              (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f)))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e 0x2e2e2e2e)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b 0x5b5b5b5b)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d 0x5d5d5d5d)))))
              (i64.const 48))))
        (local.set $skm
          (i64.or
            (local.get $skm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (v128.or
                        (v128.or
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020))
                          (i8x16.eq
                            (local.get $v)
                            (v128.const i32x4 0x09090909 0x09090909 0x09090909 0x09090909)))
                        (i8x16.eq
                          (local.get $v)
                          (v128.const i32x4 0x22222222 0x22222222 0x22222222 0x22222222)))
                      (i8x16.eq
                        (local.get $v)
                        (v128.const i32x4 0x27272727 0x27272727 0x27272727 0x27272727)))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c 0x5c5c5c5c)))))
              (i64.const 48))))
        (local.set $dlm
          (i64.or
            (local.get $dlm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (v128.or
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d 0x3d3d3d3d))
                    (i8x16.eq
                      (local.get $v)
                      (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a)))))
              (i64.const 48))))
        (local.set $colon
          (i64.or
            (local.get $colon)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a 0x3a3a3a3a))))
              (i64.const 48))))
        (local.set $slash
          (i64.or
            (local.get $slash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f 0x2f2f2f2f))))
              (i64.const 48))))
        (local.set $dash
          (i64.or
            (local.get $dash)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d 0x2d2d2d2d))))
              (i64.const 48))))
        (local.set $al
          (i64.or
            (local.get $al)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.lt_u
                    (i8x16.sub
                      (local.get $vl)
                      (v128.const i32x4 0x61616161 0x61616161 0x61616161 0x61616161))
                    (v128.const i32x4 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a 0x1a1a1a1a))))
              (i64.const 48))))
        (local.set $cg
          (i64.or
            (local.get $cg)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x67676767 0x67676767 0x67676767 0x67676767))))
              (i64.const 48))))
        (local.set $ch
          (i64.or
            (local.get $ch)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x68686868 0x68686868 0x68686868 0x68686868))))
              (i64.const 48))))
        (local.set $usc
          (i64.or
            (local.get $usc)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $v)
                    (v128.const i32x4 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f 0x5f5f5f5f))))
              (i64.const 48))))
        (local.set $ct
          (i64.or
            (local.get $ct)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x74747474 0x74747474 0x74747474 0x74747474))))
              (i64.const 48))))
        (local.set $cx
          (i64.or
            (local.get $cx)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x78787878 0x78787878 0x78787878 0x78787878))))
              (i64.const 48))))
        (local.set $co
          (i64.or
            (local.get $co)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f 0x6f6f6f6f))))
              (i64.const 48))))
        (local.set $ck
          (i64.or
            (local.get $ck)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b 0x6b6b6b6b))))
              (i64.const 48))))
        (local.set $cw
          (i64.or
            (local.get $cw)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x77777777 0x77777777 0x77777777 0x77777777))))
              (i64.const 48))))
        (local.set $cm
          (i64.or
            (local.get $cm)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d 0x6d6d6d6d))))
              (i64.const 48))))
        (local.set $cp
          (i64.or
            (local.get $cp)
            (i64.shl
              (i64.extend_i32_u
                (i8x16.bitmask
                  (i8x16.eq
                    (local.get $vl)
                    (v128.const i32x4 0x70707070 0x70707070 0x70707070 0x70707070))))
              (i64.const 48))))
        ;; literal candidates: where the literal's last tested character is, moved back to its first one.
        ;; A superset of where a detector's regex can start; the detector runs it anchored at each, in order.
        ;; list 0, IBAN: [A-Z]{2}\d{2}
        (local.set $x
          (i64.and
            (i64.and
              (i64.and
                (local.get $g)
                (i64.or
                  (i64.shl (local.get $g) (i64.const 1))
                  (i64.shr_u (local.get $gp) (i64.const 63))))
              (i64.or
                (i64.shl (local.get $u) (i64.const 2))
                (i64.shr_u (local.get $up) (i64.const 62))))
            (i64.or
              (i64.shl (local.get $u) (i64.const 3))
              (i64.shr_u (local.get $up) (i64.const 61)))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr0)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 3)))
            (local.set $list_ptr0 (i32.add (local.get $list_ptr0) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 1: AKIA... and the other AWS prefixes, AIza, GOCSPX-, SG.
        (local.set $x
          (i64.or
            (i64.or
              (i64.and
                (local.get $u)
                (i64.or
                  (i64.shl (local.get $ea) (i64.const 1))
                  (i64.shr_u (local.get $eap) (i64.const 63))))
              (i64.and
                (local.get $eo)
                (i64.or
                  (i64.shl (local.get $eg) (i64.const 1))
                  (i64.shr_u (local.get $egp) (i64.const 63)))))
            (i64.and
              (local.get $eg)
              (i64.or
                (i64.shl (local.get $es) (i64.const 1))
                (i64.shr_u (local.get $esp) (i64.const 63))))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr1)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 1)))
            (local.set $list_ptr1 (i32.add (local.get $list_ptr1) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 2: Bearer, bearer, BEARER
        (local.set $x
          (i64.and
            (i64.and
              (i64.and
                (local.get $cr)
                (i64.or
                  (i64.shl (local.get $ca) (i64.const 1))
                  (i64.shr_u (local.get $cap) (i64.const 63))))
              (i64.or
                (i64.shl (local.get $ce) (i64.const 2))
                (i64.shr_u (local.get $cep) (i64.const 62))))
            (i64.or
              (i64.shl (local.get $cb) (i64.const 3))
              (i64.shr_u (local.get $cbp) (i64.const 61)))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr2)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 3)))
            (local.set $list_ptr2 (i32.add (local.get $list_ptr2) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 3: Basic, basic, BASIC
        (local.set $x
          (i64.and
            (i64.and
              (i64.and
                (i64.and
                  (local.get $cc)
                  (i64.or
                    (i64.shl (local.get $ci) (i64.const 1))
                    (i64.shr_u (local.get $cip) (i64.const 63))))
                (i64.or
                  (i64.shl (local.get $cs) (i64.const 2))
                  (i64.shr_u (local.get $csp) (i64.const 62))))
              (i64.or
                (i64.shl (local.get $ca) (i64.const 3))
                (i64.shr_u (local.get $cap) (i64.const 61))))
            (i64.or
              (i64.shl (local.get $cb) (i64.const 4))
              (i64.shr_u (local.get $cbp) (i64.const 60)))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr3)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 4)))
            (local.set $list_ptr3 (i32.add (local.get $list_ptr3) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 4: ://
        (local.set $x
          (i64.and
            (i64.and
              (local.get $slash)
              (i64.or
                (i64.shl (local.get $slash) (i64.const 1))
                (i64.shr_u (local.get $slashp) (i64.const 63))))
            (i64.or
              (i64.shl (local.get $colon) (i64.const 2))
              (i64.shr_u (local.get $colonp) (i64.const 62)))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr4)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 2)))
            (local.set $list_ptr4 (i32.add (local.get $list_ptr4) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 5: --flag
        (local.set $x
          (i64.and
            (i64.and
              (local.get $al)
              (i64.or
                (i64.shl (local.get $dash) (i64.const 1))
                (i64.shr_u (local.get $dashp) (i64.const 63))))
            (i64.or
              (i64.shl (local.get $dash) (i64.const 2))
              (i64.shr_u (local.get $dashp) (i64.const 62)))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr5)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 2)))
            (local.set $list_ptr5 (i32.add (local.get $list_ptr5) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 6: gh?_, gith(ub_pat_), npm_ (ending 3 after the start); xo(x), xa(pp-), wh(sec_) (1);
        ;; sk_, rk_, sk- (2); https://h(ooks.) (8): all moved to end 8 after the start
        (local.set $k3
          (i64.or
            (i64.or
              (i64.and
                (i64.and
                  (local.get $usc)
                  (i64.or
                    (i64.shl (local.get $ch) (i64.const 2))
                    (i64.shr_u (local.get $chp) (i64.const 62))))
                (i64.or
                  (i64.shl (local.get $cg) (i64.const 3))
                  (i64.shr_u (local.get $cgp) (i64.const 61))))
              (i64.and
                (i64.and
                  (i64.and
                    (local.get $ch)
                    (i64.or
                      (i64.shl (local.get $ct) (i64.const 1))
                      (i64.shr_u (local.get $ctp) (i64.const 63))))
                  (i64.or
                    (i64.shl (local.get $ci) (i64.const 2))
                    (i64.shr_u (local.get $cip) (i64.const 62))))
                (i64.or
                  (i64.shl (local.get $cg) (i64.const 3))
                  (i64.shr_u (local.get $cgp) (i64.const 61)))))
            (i64.and
              (i64.and
                (local.get $usc)
                (i64.or
                  (i64.shl (local.get $cm) (i64.const 1))
                  (i64.shr_u (local.get $cmp) (i64.const 63))))
              (i64.or
                (i64.shl (local.get $cp) (i64.const 2))
                (i64.shr_u (local.get $cpp) (i64.const 62))))))
        (local.set $k1
          (i64.or
            (i64.and
              (i64.or (local.get $co) (local.get $ca))
              (i64.or
                (i64.shl (local.get $cx) (i64.const 1))
                (i64.shr_u (local.get $cxp) (i64.const 63))))
            (i64.and
              (local.get $ch)
              (i64.or
                (i64.shl (local.get $cw) (i64.const 1))
                (i64.shr_u (local.get $cwp) (i64.const 63))))))
        (local.set $k2
          (i64.and
            (i64.or (local.get $usc) (local.get $dash))
            (i64.or
              (i64.shl (local.get $ck) (i64.const 1))
              (i64.shr_u (local.get $ckp) (i64.const 63)))))
        (i64.or
          (i64.or
            (i64.or
              (i64.or
                (i64.shl (local.get $k3) (i64.const 5))
                (i64.shr_u (local.get $k3p) (i64.const 59)))
              (i64.or
                (i64.shl (local.get $k2) (i64.const 6))
                (i64.shr_u (local.get $k2p) (i64.const 58))))
            (i64.or
              (i64.shl (local.get $k1) (i64.const 7))
              (i64.shr_u (local.get $k1p) (i64.const 57))))
          (i64.and
            (i64.and
              (i64.and
                (local.get $ch)
                (i64.or
                  (i64.shl (local.get $slash) (i64.const 1))
                  (i64.shr_u (local.get $slashp) (i64.const 63))))
              (i64.or
                (i64.shl (local.get $slash) (i64.const 2))
                (i64.shr_u (local.get $slashp) (i64.const 62))))
            (i64.or
              (i64.shl (local.get $colon) (i64.const 3))
              (i64.shr_u (local.get $colonp) (i64.const 61)))))
        (local.set $k1p (local.get $k1))
        (local.set $k2p (local.get $k2))
        (local.set $k3p (local.get $k3))
        (local.set $x)
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (i32.store
              (local.get $list_ptr6)
              (i32.sub
                (i32.add (local.get $base) (i32.wrap_i64 (i64.ctz (local.get $x))))
                (i32.const 8)))
            (local.set $list_ptr6 (i32.add (local.get $list_ptr6) (i32.const 4)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; list 7, key runs before a delimiter that hold a hint word: for each = or : of the word, the last
        ;; character before it that is not a blank, quote or backslash must be a key character; the run it
        ;; ends is fed to the hint automaton, and its end is listed when a word is found. The detector checks
        ;; the exact delimiter grammar itself, so this only has to be a superset.
        (local.set $x (local.get $dlm))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (local.set $z
              (i64.and
                (i64.xor (local.get $skm) (i64.const -1))
                (i64.sub
                  (i64.shl (i64.const 1) (i64.extend_i32_u (i32.wrap_i64 (i64.ctz (local.get $x)))))
                  (i64.const 1))))
            (if (;@5;)
              (i64.eqz (local.get $z))
              (then
                (local.set $q (local.get $lns))
                (local.set $ki (i32.eq (local.get $lns) (local.get $lkc)))
                (local.set $ks (local.get $lkcs)))
              (else
                (local.set $q
                  (i32.add
                    (local.get $base)
                    (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $z))))))
                (local.set $ki
                  (i32.and
                    (i32.wrap_i64
                      (i64.shr_u
                        (local.get $kcm)
                        (i64.extend_i32_u (i32.sub (local.get $q) (local.get $base)))))
                    (i32.const 1)))
                (local.set $y
                  (i64.and
                    (i64.xor (local.get $kcm) (i64.const -1))
                    (i64.sub
                      (i64.shl
                        (i64.const 1)
                        (i64.extend_i32_u (i32.sub (local.get $q) (local.get $base))))
                      (i64.const 1))))
                (if (;@6;)
                  (i64.eqz (local.get $y))
                  (then
                    (local.set $ks
                      (select
                        (local.get $lkcs)
                        (local.get $base)
                        (i32.eq (local.get $lkc) (i32.sub (local.get $base) (i32.const 1))))))
                  (else
                    (local.set $ks
                      (i32.add
                        (i32.add
                          (local.get $base)
                          (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $y)))))
                        (i32.const 1)))))))
            (if (;@5;)
              (local.get $ki)
              (then
                (local.set $st (i32.const 0))
                (block (;@6;)
                  (loop (;@7;)
                    (br_if 1 (;@6;) (i32.gt_s (local.get $ks) (local.get $q)))
                    (if (;@8;)
                      (i32.load8_u offset=3840
                        (local.tee $st
                          (i32.load8_u offset=256
                            (i32.add
                              (i32.load8_u offset=3968
                                (select
                                  (local.tee $ki
                                    (i32.load16_u offset=4096
                                      (i32.add (local.get $ks) (local.get $ks))))
                                  (i32.const 0)
                                  (i32.lt_u (local.get $ki) (i32.const 128))))
                              (i32.mul (local.get $st) (i32.const 28))))))
                      (then
                        (i32.store (local.get $list_ptr7) (i32.add (local.get $q) (i32.const 1)))
                        (local.set $list_ptr7 (i32.add (local.get $list_ptr7) (i32.const 4)))
                        (br 2 (;@6;))))
                    (local.set $ks (i32.add (local.get $ks) (i32.const 1)))
                    (br 0 (;@7;))))))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; carried to the next word: the last non-separator, the last key character and its run's start
        (local.set $z (i64.xor (local.get $skm) (i64.const -1)))
        (if (;@3;)
          (i32.eqz (i64.eqz (local.get $z)))
          (then
            (local.set $lns
              (i32.add
                (local.get $base)
                (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $z))))))))
        (if (;@3;)
          (i32.eqz (i64.eqz (local.get $kcm)))
          (then
            (local.set $hb (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $kcm)))))
            (local.set $y
              (i64.and
                (i64.xor (local.get $kcm) (i64.const -1))
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hb))) (i64.const 1))))
            (if (;@4;)
              (i64.eqz (local.get $y))
              (then
                (local.set $ks
                  (select
                    (local.get $lkcs)
                    (local.get $base)
                    (i32.eq (local.get $lkc) (i32.sub (local.get $base) (i32.const 1))))))
              (else
                (local.set $ks
                  (i32.add
                    (i32.add
                      (local.get $base)
                      (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $y)))))
                    (i32.const 1)))))
            (local.set $lkc (i32.add (local.get $base) (local.get $hb)))
            (local.set $lkcs (local.get $ks))))
        ;; each mask's value for the next word
        (local.set $up (local.get $u))
        (local.set $gp (local.get $g))
        (local.set $eap (local.get $ea))
        (local.set $egp (local.get $eg))
        (local.set $esp (local.get $es))
        (local.set $cbp (local.get $cb))
        (local.set $cep (local.get $ce))
        (local.set $cap (local.get $ca))
        (local.set $csp (local.get $cs))
        (local.set $cip (local.get $ci))
        (local.set $colonp (local.get $colon))
        (local.set $slashp (local.get $slash))
        (local.set $dashp (local.get $dash))
        (local.set $cgp (local.get $cg))
        (local.set $chp (local.get $ch))
        (local.set $ctp (local.get $ct))
        (local.set $cxp (local.get $cx))
        (local.set $ckp (local.get $ck))
        (local.set $cwp (local.get $cw))
        (local.set $cmp (local.get $cm))
        (local.set $cpp (local.get $cp))
        ;; number runs of 7 or more: $n2 = 2 in a row, then 4, 6, and 7 with $r six back; their ends are
        ;; characters outside the class after one ending 7 in a row; starts are run characters after one
        ;; outside it. Each end takes the last start below it (or before this word) and the digit and dot
        ;; counts between; runs with at least eight digits or three dots are listed
        (local.set $n2
          (i64.and
            (local.get $r)
            (i64.or
              (i64.shl (local.get $r) (i64.const 1))
              (i64.shr_u (local.get $rp) (i64.const 63)))))
        (local.set $n7
          (i64.and
            (i64.and
              (i64.and
                (local.get $n2)
                (i64.or
                  (i64.shl (local.get $n2) (i64.const 2))
                  (i64.shr_u (local.get $n2p) (i64.const 62))))
              (i64.or
                (i64.shl (local.get $n2) (i64.const 4))
                (i64.shr_u (local.get $n2p) (i64.const 60))))
            (i64.or
              (i64.shl (local.get $r) (i64.const 6))
              (i64.shr_u (local.get $rp) (i64.const 58)))))
        (local.set $x
          (i64.and
            (i64.xor (local.get $r) (i64.const -1))
            (i64.or
              (i64.shl (local.get $n7) (i64.const 1))
              (i64.shr_u (local.get $n7p) (i64.const 63)))))
        (local.set $n2p (local.get $n2))
        (local.set $n7p (local.get $n7))
        (local.set $n2
          (i64.and
            (local.get $r)
            (i64.xor
              (i64.or
                (i64.shl (local.get $r) (i64.const 1))
                (i64.shr_u (local.get $rp) (i64.const 63)))
              (i64.const -1))))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (local.set $pos (i32.wrap_i64 (i64.ctz (local.get $x))))
            (local.set $y
              (i64.and
                (local.get $n2)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $pos))) (i64.const 1))))
            (if (;@5;)
              (i64.eqz (local.get $y))
              (then
                (local.set $start (local.get $last_n))
                (local.set $d0 (local.get $last_nd))
                (local.set $t0 (local.get $last_nt)))
              (else
                (local.set $hb (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $y)))))
                (local.set $start (i32.add (local.get $base) (local.get $hb)))
                (local.set $d0
                  (i32.add
                    (local.get $dbase)
                    (i32.wrap_i64
                      (i64.popcnt
                        (i64.and
                          (local.get $g)
                          (i64.sub
                            (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hb)))
                            (i64.const 1)))))))
                (local.set $t0
                  (i32.add
                    (local.get $tbase)
                    (i32.wrap_i64
                      (i64.popcnt
                        (i64.and
                          (local.get $t)
                          (i64.sub
                            (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hb)))
                            (i64.const 1)))))))))
            (local.set $d1
              (i32.add
                (local.get $dbase)
                (i32.wrap_i64
                  (i64.popcnt
                    (i64.and
                      (local.get $g)
                      (i64.sub
                        (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $pos)))
                        (i64.const 1)))))))
            (local.set $t1
              (i32.add
                (local.get $tbase)
                (i32.wrap_i64
                  (i64.popcnt
                    (i64.and
                      (local.get $t)
                      (i64.sub
                        (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $pos)))
                        (i64.const 1)))))))
            (local.set $pos (i32.add (local.get $base) (local.get $pos)))
            (if (;@5;)
              (i32.or
                (i32.ge_u (i32.sub (local.get $d1) (local.get $d0)) (i32.const 8))
                (i32.ge_u (i32.sub (local.get $t1) (local.get $t0)) (i32.const 3)))
              (then
                (i32.store (local.get $np) (local.get $start))
                (i32.store offset=4 (local.get $np) (local.get $pos))
                (i32.store offset=8 (local.get $np) (i32.sub (local.get $d1) (local.get $d0)))
                (local.set $np (i32.add (local.get $np) (i32.const 12)))))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        ;; the last run start of this word, if any, is carried to the next with its counts
        (if (;@3;)
          (i32.eqz (i64.eqz (local.get $n2)))
          (then
            (local.set $hb (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $n2)))))
            (local.set $last_n (i32.add (local.get $base) (local.get $hb)))
            (local.set $last_nd
              (i32.add
                (local.get $dbase)
                (i32.wrap_i64
                  (i64.popcnt
                    (i64.and
                      (local.get $g)
                      (i64.sub
                        (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hb)))
                        (i64.const 1)))))))
            (local.set $last_nt
              (i32.add
                (local.get $tbase)
                (i32.wrap_i64
                  (i64.popcnt
                    (i64.and
                      (local.get $t)
                      (i64.sub
                        (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hb)))
                        (i64.const 1)))))))))
        ;; base64 runs of 40 or more, by doubling: 2, 4, 8, 16, 32, then 32 and 8 thirty-two back
        (local.set $rp (local.get $r))
        (local.set $b2
          (i64.and
            (local.get $bq)
            (i64.or
              (i64.shl (local.get $bq) (i64.const 1))
              (i64.shr_u (local.get $b) (i64.const 63)))))
        (local.set $b4
          (i64.and
            (local.get $b2)
            (i64.or
              (i64.shl (local.get $b2) (i64.const 2))
              (i64.shr_u (local.get $b2p) (i64.const 62)))))
        (local.set $b8
          (i64.and
            (local.get $b4)
            (i64.or
              (i64.shl (local.get $b4) (i64.const 4))
              (i64.shr_u (local.get $b4p) (i64.const 60)))))
        (local.set $b16
          (i64.and
            (local.get $b8)
            (i64.or
              (i64.shl (local.get $b8) (i64.const 8))
              (i64.shr_u (local.get $b8p) (i64.const 56)))))
        (local.set $x
          (i64.and
            (local.get $b16)
            (i64.or
              (i64.shl (local.get $b16) (i64.const 16))
              (i64.shr_u (local.get $b16p) (i64.const 48)))))
        (local.set $b40
          (i64.and
            (local.get $x)
            (i64.or
              (i64.shl (local.get $b8) (i64.const 32))
              (i64.shr_u (local.get $b8p) (i64.const 32)))))
        (local.set $x
          (i64.and
            (i64.xor (local.get $bq) (i64.const -1))
            (i64.or
              (i64.shl (local.get $b40) (i64.const 1))
              (i64.shr_u (local.get $b40p) (i64.const 63)))))
        (local.set $y
          (i64.and
            (local.get $bq)
            (i64.xor
              (i64.or
                (i64.shl (local.get $bq) (i64.const 1))
                (i64.shr_u (local.get $b) (i64.const 63)))
              (i64.const -1))))
        (local.set $b2p (local.get $b2))
        (local.set $b4p (local.get $b4))
        (local.set $b8p (local.get $b8))
        (local.set $b16p (local.get $b16))
        (local.set $b40p (local.get $b40))
        (local.set $n2 (local.get $y))
        (block (;@3;)
          (loop (;@4;)
            (br_if 1 (;@3;) (i64.eqz (local.get $x)))
            (local.set $pos (i32.wrap_i64 (i64.ctz (local.get $x))))
            (local.set $y
              (i64.and
                (local.get $n2)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $pos))) (i64.const 1))))
            (if (;@5;)
              (i64.eqz (local.get $y))
              (then (local.set $start (local.get $last_b)))
              (else
                (local.set $hb (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $y)))))
                (local.set $start (i32.add (local.get $base) (local.get $hb)))))
            (local.set $pos (i32.add (local.get $base) (local.get $pos)))
            (i32.store (local.get $bp) (local.get $start))
            (i32.store offset=4 (local.get $bp) (local.get $pos))
            (local.set $bp (i32.add (local.get $bp) (i32.const 8)))
            (local.set $x (i64.and (local.get $x) (i64.sub (local.get $x) (i64.const 1))))
            (br 0 (;@4;))))
        (if (;@3;)
          (i32.eqz (i64.eqz (local.get $n2)))
          (then
            (local.set $hb (i32.sub (i32.const 63) (i32.wrap_i64 (i64.clz (local.get $n2)))))
            (local.set $last_b (i32.add (local.get $base) (local.get $hb)))))
        ;; carried to the next word: the base64 mask and the running digit and dot counts; the word
        ;; holding position n (a zero) is the last one
        (local.set $b (local.get $bq))
        (local.set $dbase (i32.add (local.get $dbase) (i32.wrap_i64 (i64.popcnt (local.get $g)))))
        (local.set $tbase (i32.add (local.get $tbase) (i32.wrap_i64 (i64.popcnt (local.get $t)))))
        (local.set $base (i32.add (local.get $base) (i32.const 64)))
        (br_if 1 (;@1;) (i32.gt_u (local.get $base) (local.get $n)))
        (br 0 (;@2;))))
    ;; the counts: base64 runs at 128, each list's at 132 + 4k; the number-run count is returned
    (i32.store offset=128
      (i32.const 0)
      (i32.div_u (i32.sub (local.get $bp) (local.get $b64_out)) (i32.const 8)))
    (i32.store offset=132
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr0)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 0))))
        (i32.const 4)))
    (i32.store offset=136
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr1)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 1))))
        (i32.const 4)))
    (i32.store offset=140
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr2)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 2))))
        (i32.const 4)))
    (i32.store offset=144
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr3)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 3))))
        (i32.const 4)))
    (i32.store offset=148
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr4)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 4))))
        (i32.const 4)))
    (i32.store offset=152
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr5)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 5))))
        (i32.const 4)))
    (i32.store offset=156
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr6)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 6))))
        (i32.const 4)))
    (i32.store offset=160
      (i32.const 0)
      (i32.div_u
        (i32.sub
          (local.get $list_ptr7)
          (i32.add (local.get $list_out) (i32.mul (local.get $list_cap) (i32.const 7))))
        (i32.const 4)))
    (i32.div_u (i32.sub (local.get $np) (local.get $num_out)) (i32.const 12)))
  (memory (;0;) 1)
  (export "memory" (memory 0))
  (export "scan" (func $scan)))
