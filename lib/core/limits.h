/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */
