# SPDX-License-Identifier: GPL-2.0
# Shared paths and helpers for the harness scripts. Sourced, not run.

set -eu -o pipefail

HQ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HQ_HARNESS=$HQ_ROOT/harness
HQ_BUILD=${HQ_BUILD:-$HQ_ROOT/build}
HQ_SRC=$HQ_BUILD/linux			# git work tree: tag "pristine" + one commit per patch
HQ_LOGS=$HQ_BUILD/logs
HQ_BASE_TARBALL=/usr/src/linux-source-6.1.tar.xz
# The From: line of the files in patches/ (the export signs off as its user).
HQ_PATCH_HEADER_FROM="IOMMU page quarantine developers <iommu-quarantine@localhost>"
# The guest's architecture: arm64 (QEMU virt + SMMUv3, the default) or
# x86_64 (QEMU q35 + VT-d). HQ_IMAGE is the kernel image kbuild makes.
HQ_ARCH=${HQ_ARCH:-arm64}
case $HQ_ARCH in
arm64)
	HQ_CROSS=aarch64-linux-gnu-
	HQ_IMAGE=arch/arm64/boot/Image
	HQ_DEB_ARCH=arm64
	;;
x86_64)
	HQ_CROSS=
	HQ_IMAGE=arch/x86/boot/bzImage
	HQ_DEB_ARCH=amd64
	;;
*)
	printf 'error: HQ_ARCH=%s: arm64 or x86_64\n' "$HQ_ARCH" >&2
	exit 1
	;;
esac
# The directories whose new files are laid over the kernel tree.
HQ_OVERLAY_DIRS="mm include drivers lib kernel tools Documentation samples"

export ARCH=$HQ_ARCH
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/iommuq-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR=$HQ_ROOT
export KBUILD_BUILD_TIMESTAMP='2023-01-01' KBUILD_BUILD_USER=iommuq KBUILD_BUILD_HOST=harness

hq_log()  { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
hq_die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# hq_ncpus: parallelism for make.
hq_ncpus() { nproc 2>/dev/null || echo 2; }

# hq_need_tools: install the Debian packages that provide missing tools.
# Arguments are "command:package" pairs; a command of the form
# "file:/path" checks for a file instead.
hq_need_tools() {
	local pair cmd pkg missing=()
	for pair in "$@"; do
		cmd=${pair%%:*}
		pkg=${pair#*:}
		case $cmd in
		/*) [ -e "$cmd" ] && continue ;;
		*) command -v "$cmd" >/dev/null 2>&1 && continue ;;
		esac
		missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	hq_apt_install "${missing[@]}"
}

hq_apt_updated=
hq_apt_install() {
	[ "$(id -u)" = 0 ] || hq_die "need root to install: $* (or install them yourself)"
	if [ -z "$hq_apt_updated" ]; then
		hq_log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
			hq_die "apt-get update failed"
		hq_apt_updated=1
	fi
	hq_log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null ||
		hq_die "apt-get install $* failed"
}

# The tools every kernel build and boot needs.
hq_need_build_tools() {
	hq_need_tools "$HQ_BASE_TARBALL:linux-source-6.1" \
		"aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu" \
		"/usr/aarch64-linux-gnu/include/bits/wordsize.h:libc6-dev-arm64-cross" \
		"gcc:gcc" "/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev" \
		"make:make" "flex:flex" \
		"bison:bison" "bc:bc" "/usr/include/libelf.h:libelf-dev" \
		"/usr/include/openssl/ssl.h:libssl-dev" "cpio:cpio" \
		"ccache:ccache" "git:git" "perl:perl" "python3:python3" \
		"xz:xz-utils" "rsync:rsync" "gzip:gzip"
}

# The host-side static checks: sparse, the native compiler for the x86_64
# build, Sphinx and its theme for htmldocs.
hq_need_static_tools() {
	hq_need_tools "sparse:sparse" "gcc:gcc" "/usr/include/stdio.h:libc6-dev" \
		"sphinx-build:python3-sphinx" \
		"/usr/lib/python3/dist-packages/sphinx_rtd_theme/__init__.py:python3-sphinx-rtd-theme"
}

hq_need_qemu() {
	hq_need_tools "qemu-system-aarch64:qemu-system-arm" "qemu-system-x86_64:qemu-system-x86" \
		"timeout:coreutils"
}

# Path of the object directory of a kernel flavour.
hq_obj() { echo "$HQ_BUILD/obj-$1"; }

# hq_make OBJ ARGS...: kbuild in the work tree with our toolchain.
hq_make() {
	local obj=$1
	shift
	make -C "$HQ_SRC" O="$obj" ARCH=$HQ_ARCH CROSS_COMPILE=$HQ_CROSS \
		CC="ccache ${HQ_CROSS}gcc" HOSTCC="ccache gcc" -j"$(hq_ncpus)" "$@"
}

# The patches of the series, in order: the NAME.patch lines of
# patches/files (its NAME.msg entries add new files only).
hq_series_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$HQ_ROOT/patches/files" |
		grep -E '^[A-Za-z0-9][A-Za-z0-9._-]*\.patch$' || true
}

# A hash of the series: its order and the content of every patch in it.
hq_series_state() {
	local p
	{
		hq_series_list
		for p in $(hq_series_list); do
			cat "$HQ_ROOT/patches/$p"
		done
	} | sha256sum | cut -d' ' -f1
}
