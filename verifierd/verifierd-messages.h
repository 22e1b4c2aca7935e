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
#define MESSAGE_ADMIN_REFUSED     "62a106b4c0e4470ebad4d8846dd45f77"
#define MESSAGE_SERVICE_ERROR     "0bac77f0076f4f87a6d19f220df304bc"
