#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# pre-pivot hook: stop the initrd's agent before the switch to the real root.
# An agent killed by the switch instead leaves its unit active in the real
# root's service manager, and the real root's agent would not start.
systemctl stop attest-agent.service
