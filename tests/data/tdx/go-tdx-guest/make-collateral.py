#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds collateral JSON documents (the PCCS/dcap-qvl QuoteCollateralV3 form
# that attestctl tdx verify reads) from the Intel PCS responses in this
# directory. TCB Info and QE Identity are cut out of the response bodies as
# text, byte for byte, because their signatures cover exactly those bytes.
import json
import re
import sys


def signed_part(path, key):
    body = open(path, 'rb').read().decode()
    m = re.fullmatch(r'\{"%s":(\{.*\}),"signature":"([0-9a-fA-F]{128})"\}\s*' % key, body, re.S)
    if not m:
        sys.exit(f'{path}: not a PCS response with "{key}" and "signature"')
    return m.group(1), m.group(2)


def collateral(tcb_info_response):
    tcb_info, tcb_sig = signed_part(tcb_info_response, 'tcbInfo')
    qe_identity, qe_sig = signed_part('sample_qeIdentity_response', 'enclaveIdentity')
    return {
        'pck_crl_issuer_chain': open('pck_crl_issuer_chain.pem').read(),
        'root_ca_crl': open('rootcrl.der', 'rb').read().hex(),
        'pck_crl': open('pckcrl', 'rb').read().hex(),
        'tcb_info_issuer_chain': open('tcb_info_issuer_chain.pem').read(),
        'tcb_info': tcb_info,
        'tcb_info_signature': tcb_sig,
        'qe_identity_issuer_chain': open('qe_identity_issuer_chain.pem').read(),
        'qe_identity': qe_identity,
        'qe_identity_signature': qe_sig,
    }


for fmspc, response in (('50806f000000', 'sample_tcbInfo_response'), ('90c06f000000', 'sample_tcbinfo_response_v5')):
    with open(f'collateral-{fmspc}.json', 'w') as f:
        json.dump(collateral(response), f, indent=2)
        f.write('\n')
