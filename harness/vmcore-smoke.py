# SPDX-License-Identifier: GPL-2.0
# Run by drgn against a guest vmcore: print what the harness compares with
# what the guest itself said before the dump.
uts = prog['init_uts_ns'].name
print('release=' + uts.release.string_().decode())
print('hostname=' + uts.nodename.string_().decode())
