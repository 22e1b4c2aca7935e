/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Stable journal MESSAGE_IDs of attest-verifierd; documented in attest-verifierd(8).
 * Never change a released id. */
#define MESSAGE_NODE_REGISTERED   "1e5ab8ceeee54700bbf1220a1800f117"
#define MESSAGE_NODE_ACTIVATED    "354c2fb6c3ee4ad0b0ae481e4742c984"
#define MESSAGE_NODE_ENROLLED     "6200d41527b441f5bedc75b0b72d28a6"
#define MESSAGE_NODE_REMOVED      "0a198f3833224ae7aac4ba1564e6a015"
#define MESSAGE_NODE_STATE        "31b5972b5c664d49b02eb94ea7fc3413"  /* stopped, reactivated, updated */
#define MESSAGE_REGISTRATION_REFUSED "affebe8af26643d7a99daebd8ebd9077"
#define MESSAGE_DUPLICATE_EK      "9f095b08a6c8400891b2bfa62a9d0f5b"  /* an EK registered under a second node id */
#define MESSAGE_ADMIN_REFUSED     "62a106b4c0e4470ebad4d8846dd45f77"
#define MESSAGE_SERVICE_ERROR     "0bac77f0076f4f87a6d19f220df304bc"
#define MESSAGE_SESSION_REFUSED   "db086873c412468eadbe1ce72b989ba1"  /* proof of possession failed */
#define MESSAGE_VERDICT_PASS      "ae362b43b70944d2b897f45846f13eb5"  /* a node passed (after not passing) */
#define MESSAGE_VERDICT_FAIL      "858c1d2e2bce4d7986faa33da51e7194"  /* a node failed an attestation */
#define MESSAGE_VERDICT_TIMEOUT   "ab49264bf5e64e6fa77817931e368311"  /* no attestation for 5 × interval */
#define MESSAGE_NODE_TERMINATED   "63f78af0b6654ad184ff9eade787cc6e"  /* attest_count passes reached */
#define MESSAGE_PLUGIN_PROBLEM    "b256de77623040519477e4c96a5b0f7f"  /* a plugin or policy is unusable */
#define MESSAGE_SECRET_RELEASED   "5d0c1e7f6a2b4c8e9f3a1b2c4d6e8f01"
#define MESSAGE_SECRET_REFUSED    "8b3e5a7c9d1f4e2a6c8b0d2f4a6c8e13"
#define MESSAGE_SECRET_CHANGED    "c41a7e9b2d5f4a8c8e1b3d5f7a9c2e46"  /* added, replaced, removed */
