#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# attestctl snp verify and tdx verify on real reports and quotes: exit codes
# 0/1/2, the shipped roots, --json fields.
set -euo pipefail
snp=${ATTEST_TEST_DATA:?}/snp
tdx=$ATTEST_TEST_DATA/tdx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${ATTEST_INTEGRATION_DIR:?}/cli-lib.sh"
at=--at=2025-06-01T00:00:00Z

report=$snp/go-sev-guest/attestation.bin
vcek=$snp/go-sev-guest/vcek.testcer
expect 0 "snp: real report, shipped roots" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" --json
check "snp: json fields" 'j["verdict"] == "pass" and j["version"] == 2 and j["vmpl"] == 0 and j["signing_key"] == "vcek" and j["reported_tcb"] == "4405000000000002" and j["policy"] == "00000000000b0000" and j["chip_id"].startswith("3ac3fe21") and len(j["measurement"]) == 96 and len(j["report_data"]) == 128 and len(j["host_data"]) == 64'
expect 0 "snp: real report, given chain" "$ATTESTCTL" snp verify "$snp/virtee-sev/report_milan.bin" \
        --cert "$snp/virtee-sev/vcek_milan.der" --ca "$snp/virtee-sev/cert_chain_milan" "$at"
expect 1 "snp: another chip's VCEK" "$ATTESTCTL" snp verify "$snp/virtee-sev/report_milan.bin" --cert "$vcek" "$at" --json
check "snp: reason hwid" 'j["verdict"] == "fail" and j["reason"] == "hwid_mismatch"'
expect 1 "snp: wrong product's roots" "$ATTESTCTL" snp verify "$report" --cert "$vcek" --ca "$snp/virtee-sev/cert_chain_turin" "$at"
expect 1 "snp: expired VCEK" "$ATTESTCTL" snp verify "$report" --cert "$vcek" --at 2031-01-01T00:00:00Z
expect 1 "snp: debug forbidden" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" --no-debug
expect 1 "snp: other report_data" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" --report-data "$(printf '%0128d' 0)"
expect 1 "snp: report_data binds no such nonce and AK" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" \
        --nonce 000102030405060708090a0b0c0d0e0f --ak-name 000b"$(printf '%064d' 0)" --json
check "snp: reason report_data" 'j["reason"] == "policy_report_data"'
expect 2 "snp: --nonce without --ak-name" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" --nonce 00
expect 2 "snp: --report-data with --nonce" "$ATTESTCTL" snp verify "$report" --cert "$vcek" "$at" \
        --report-data "$(printf '%0128d' 0)" --nonce 00 --ak-name 000b00
cp "$report" "$tmp/flipped"
printf '\x01' | dd of="$tmp/flipped" bs=1 seek=$((0x90)) conv=notrunc status=none
expect 1 "snp: tampered measurement" "$ATTESTCTL" snp verify "$tmp/flipped" --cert "$vcek" "$at"
head -c 1183 "$report" > "$tmp/short"
expect 2 "snp: truncated report" "$ATTESTCTL" snp verify "$tmp/short" --cert "$vcek" "$at"
expect 2 "snp: certificate is not one" "$ATTESTCTL" snp verify "$report" --cert "$report" "$at"
expect 2 "snp: --cert missing" "$ATTESTCTL" snp verify "$report"
expect 2 "snp: bad --at" "$ATTESTCTL" snp verify "$report" --cert "$vcek" --at yesterday

quote=$tdx/dcap-qvl/tdx_quote
coll=$tdx/dcap-qvl/tdx_quote_collateral.json
tat=--at=2025-07-19T10:00:34Z
expect 0 "tdx: real quote, shipped root" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" "$tat" --json
check "tdx: json fields" 'j["verdict"] == "pass" and j["version"] == 4 and j["tcb_status"] == "UpToDate" and j["advisory_ids"] == [] and j["mrtd"].startswith("91eb2b44") and len(j["rtmrs"]) == 4 and all(len(r) == 96 for r in j["rtmrs"]) and j["xfam"] == "e702060000000000" and j["td_attributes"] == "0000001000000000" and len(j["mrconfigid"]) == 96 and len(j["mrowner"]) == 96 and len(j["report_data"]) == 128'
expect 0 "tdx: minimum status met" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" "$tat" --min-tcb-status UpToDate
expect 1 "tdx: collateral out of date" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" --at 2025-08-01T00:00:00Z --json
check "tdx: reason crl" 'j["reason"] == "crl_invalid"'
expect 1 "tdx: TCB unsupported" "$ATTESTCTL" tdx verify <(head -c 4935 "$tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat") \
        --collateral "$tdx/go-tdx-guest/collateral-50806f000000.json" --at 2023-07-01T01:00:00Z
expect 1 "tdx: another TD's event log" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" "$tat" \
        --ccel "$tdx/go-tdx-guest/ccel/ccel_data.dat" --json
check "tdx: reason rtmr" 'j["reason"] == "rtmr_mismatch"'
expect 2 "tdx: event log is no CCEL" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" "$tat" --ccel "$coll"
expect 1 "tdx: REPORTDATA binds no such nonce and AK" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" "$tat" \
        --nonce 000102030405060708090a0b0c0d0e0f --ak-name 000b"$(printf '%064d' 0)" --json
check "tdx: reason binding" 'j["reason"] == "binding_mismatch"'
cp "$quote" "$tmp/quote"
printf '\x01' | dd of="$tmp/quote" bs=1 seek=200 conv=notrunc status=none
expect 1 "tdx: tampered MRTD" "$ATTESTCTL" tdx verify "$tmp/quote" --collateral "$coll" "$tat"
expect 2 "tdx: trailing text" "$ATTESTCTL" tdx verify "$tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat" --collateral "$coll" "$tat"
expect 2 "tdx: collateral is no JSON" "$ATTESTCTL" tdx verify "$quote" --collateral "$quote" "$tat"
expect 2 "tdx: unknown status" "$ATTESTCTL" tdx verify "$quote" --collateral "$coll" --min-tcb-status Fine
expect 2 "tdx: --collateral missing" "$ATTESTCTL" tdx verify "$quote"

exit $failed
