#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nvme-cli with the project's "secondary" plugin compiled in, or reuse
# the one already built: Debian's nvme-cli source package (bookworm's,
# with Debian's own patches, as dpkg-source applies them), the plugin of
# nvme-cli/plugins/secondary/ copied in, its man pages of
# nvme-cli/Documentation/, and the patches of nvme-cli/patches/ (the build
# and the bash completion). The plugin talks to the kernel through liblm,
# linked from this tree's build/lib (make lib first), which the binary
# finds in ../lib from where it is, as lmctl does.
#
#	nvme-cli/build.sh
#
# Prints one line on stdout, the directory of the result:
#	DIR/bin/nvme				nvme-cli with the plugin
#	DIR/man/man1/nvme-secondary-*.1		the plugin's man pages
#	DIR/share/bash-completion/completions/nvme
#	DIR/info				what it was built from
#	DIR/build.log				how
# Everything else goes to stderr. The result is cached outside the clone,
# under $LM_CACHE_DIR/nvme-cli (default /var/cache/lm), keyed by the source
# package version, the patches, the plugin and its pages, liblm's interface
# (its header, symbol map and the uAPI header), this script's recipe, the
# compiler and the libnvme and json-c it builds against; a build of the
# same key waits for a concurrent one to finish instead of duplicating it.
# Results unused for LM_CACHE_DAYS days (default 14) are removed.
#
# The source comes through apt: a deb-src entry for bookworm on the mirror
# of the machine's own apt configuration (with its signing key, when that
# entry names one). The version is that of the installed nvme-cli if the
# mirror serves its source and it is bookworm's 2.4+really2.3, else the
# newest of those the mirror serves.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source-path=SCRIPTDIR/.. source=scripts/apt-mirror.sh
. scripts/apt-mirror.sh
# shellcheck source=scripts/cache.sh
. scripts/cache.sh

SOURCE_PKG=nvme-cli
SOURCE_SUITE=bookworm
# The patches are made for bookworm's nvme-cli; other suites' deb-src
# entries (qemu/build.sh's) list newer versions too.
SOURCE_SERIES=2.4+really2.3-
SOURCE_LIST=/etc/apt/sources.list.d/lm-nvme-cli-src.list
PATCH_DIR=nvme-cli/patches
PLUGIN_DIR=nvme-cli/plugins/secondary
DOC_DIR=nvme-cli/Documentation
LIBLM_ABI=(lib/liblm.h lib/liblm.map include/uapi/linux/lm.h)
LIBLM_SO=build/lib/liblm.so
CACHE_ROOT=${LM_CACHE_DIR:-/var/cache/lm}/nvme-cli
DOWNLOAD_DIR=$CACHE_ROOT/download
CACHE_DAYS=${LM_CACHE_DAYS:-14}
# Change when a change of this script changes what it builds (the meson
# options below are part of the key already).
RECIPE="dpkg-source -x; plugin; patches; meson; ninja nvme; asciidoc+xmlto; man --warnings; v2"
MESON_OPTS=(
	--wrap-mode=nodownload
	-Dbuildtype=release
	-Dwerror=true
	-Ddocs=false
)
# What building takes beyond build-essential, as Debian's source package
# asks for it (libdbus-1-dev: libnvme-mi's pkg-config file requires it).
BUILD_DEPS=(dpkg-dev patch xz-utils pkg-config meson ninja-build
	    libnvme-dev libjson-c-dev zlib1g-dev libdbus-1-dev
	    asciidoc-base xmlto docbook-xsl man-db)

say() {
	echo "nvme-cli: $*" >&2
}

die() {
	say "$*"
	exit 1
}

# The Signed-By of the entry that serves $SOURCE_SUITE from mirror $1, in
# the one-line format's option syntax, or nothing: apt refuses a deb-src
# entry whose key differs from the deb entry's of the same suite.
signed_by() {
	local mirror=$1 f key=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		key=$(awk -v uri="$mirror" -v suite="$SOURCE_SUITE" '
			BEGIN { RS = ""; FS = "\n" }
			{
				u = s = k = ""
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) u = " " substr($i, 6) " "
					if ($i ~ /^Suites:/) s = " " substr($i, 8) " "
					if ($i ~ /^Signed-By:/) { k = substr($i, 11); gsub(/^[ \t]+|[ \t]+$/, "", k) }
				}
				gsub(/\t/, " ", u); gsub(/\t/, " ", s)
				if (index(u, " " uri " ") && index(s, " " suite " ") && k != "") { print k; exit }
			}' "$f")
		[ -z "$key" ] || break
	done
	[ -z "$key" ] || echo "[signed-by=$key] "
}

# The deb-src entry on the machine's Debian mirror.
source_entry() {
	local mirror
	mirror=$(debian_mirror | head -n1)
	[ -n "$mirror" ] || die "no Debian mirror in the apt configuration"
	echo "deb-src $(signed_by "$mirror")$mirror $SOURCE_SUITE main"
}

# The source version to build, of $SOURCE_SERIES: the installed nvme-cli's
# if apt knows its source, else the newest it knows. Reads apt's local
# index only.
source_version() {
	local installed all
	all=$(apt-cache showsrc "$SOURCE_PKG" 2>/dev/null |
	      awk '$1 == "Version:" { print $2 }' | grep -F "$SOURCE_SERIES" |
	      sort -urV) || true
	[ -n "$all" ] || return 1
	installed=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG" 2>/dev/null) || true
	if [ -n "$installed" ] && grep -qxF -- "$installed" <<< "$all"; then
		echo "$installed"
	else
		head -n1 <<< "$all"
	fi
}

have_pkg() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# Install what building takes, when something is missing.
build_deps() {
	local missing=() p
	for p in "${BUILD_DEPS[@]}"; do
		have_pkg "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2
	fi
}

# The cache key of source version $1: the version (readable) and a hash of
# everything else that decides the result.
cache_key() {
	local version=$1 hash p
	hash=$({
		echo "$RECIPE"
		printf '%s\n' "${MESON_OPTS[@]}"
		for p in "${patches[@]}" "${plugin_files[@]}" "${doc_files[@]}" \
			 "${LIBLM_ABI[@]}"; do
			echo "file ${p#"$PWD"/}"
			cat "$p"
		done
		${CC:-gcc} --version | head -n1
		dpkg-query -W -f='${Package} ${Version}\n' libnvme-dev \
			libjson-c-dev 2>/dev/null || true
	} | sha256sum | cut -c1-16)
	echo "${version//[^A-Za-z0-9.+-]/_}-$hash"
}

# The man page of $1, an asciidoc page in nvme-cli's style, into $2/, with
# nvme-cli's own asciidoc configuration and stylesheet.
man_page() {
	local txt=$1 out=$2 docs=$3 version=$4 base warnings
	base=$(basename "$txt" .txt)
	# asciidoc runs on "env python3": Debian's, where its module is.
	PATH=/usr/bin:/bin:$PATH asciidoc -f "$docs/asciidoc.conf" -b docbook -d manpage \
		-a nvme_version="$version" -o "$out/$base.xml" "$txt" &&
		xmlto -m "$docs/manpage-normal.xsl" -o "$out" --skip-validation \
			man "$out/$base.xml" &&
		rm -f "$out/$base.xml" &&
		[ -s "$out/$base.1" ] || return
	# It formats without a groff warning, as "make man-check" asks of
	# lmctl's.
	warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings=w \
		-E UTF-8 -l -Tutf8 -Z "$out/$base.1" 2>&1 >/dev/null)
	[ -z "$warnings" ] || { echo "$warnings"; return 1; }
}

# Build source version $1 into $2, a fresh directory, for cache key $3.
build() {
	local version=$1 out=$2 key=$3 src=$2/src obj=$2/obj log=$2/build.log
	local start=$SECONDS dsc p n=0 man=$2/man/man1

	dsc=$DOWNLOAD_DIR/${SOURCE_PKG}_${version#*:}.dsc
	say "extracting $dsc"
	# Checks every file against the .dsc's checksums (apt checked the .dsc
	# against the suite's signed index), then applies Debian's patches.
	if ! nice -n 10 dpkg-source --no-copy -x "$dsc" "$src" > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		find "$DOWNLOAD_DIR" -mindepth 1 -delete
		die "dpkg-source -x failed"
	fi

	mkdir -p "$src/plugins/secondary"
	cp "${plugin_files[@]}" "$src/plugins/secondary/"
	cp "${doc_files[@]}" "$src/Documentation/"
	for p in "${patches[@]}"; do
		say "applying ${p#"$PWD"/}"
		echo "== patch -p1 < $p" >> "$log"
		patch -d "$src" -p1 --forward --batch < "$p" >> "$log" 2>&1 ||
			{ tail -n 20 "$log" >&2; die "${p##*/} does not apply"; }
		n=$((n + 1))
	done

	say "configuring (log: $log)"
	nice -n 10 meson setup "$obj" "$src" "${MESON_OPTS[@]}" \
		-Dversion-tag="$version, lm ${key##*-}" -Dlm-tree="$PWD" \
		>> "$log" 2>&1 || { tail -n 40 "$log" >&2; die "meson setup failed"; }

	say "building nvme"
	nice -n 10 ninja -C "$obj" -j"$(nproc)" nvme >> "$log" 2>&1 ||
		{ tail -n 60 "$log" >&2; die "build failed"; }
	install -D -m 0755 "$obj/nvme" "$out/bin/nvme"
	if ! LD_LIBRARY_PATH=$PWD/build/lib "$out/bin/nvme" secondary help \
		> "$out/help.txt" 2>> "$log" ||
	   ! grep -q '^  migrate ' "$out/help.txt"; then
		tail -n 20 "$log" >&2
		die "the built nvme has no secondary plugin"
	fi
	rm -f "$out/help.txt"

	say "man pages"
	mkdir -p "$man"
	for p in "${doc_files[@]}"; do
		echo "== man page of $p" >> "$log"
		man_page "$src/Documentation/${p##*/}" "$man" "$src/Documentation" \
			"$version" >> "$log" 2>&1 ||
			{ tail -n 20 "$log" >&2; die "${p##*/}: no man page"; }
	done
	install -D -m 0644 "$src/completions/bash-nvme-completion.sh" \
		"$out/share/bash-completion/completions/nvme"

	{
		echo "source $SOURCE_PKG $version"
		for p in "${patches[@]}" "${plugin_files[@]}" "${doc_files[@]}"; do
			echo "file ${p#"$PWD"/} sha256 $(sha256sum < "$p" | cut -d' ' -f1)"
		done
		echo "patches $n"
		echo "meson ${MESON_OPTS[*]}"
		echo "compiler $(${CC:-gcc} --version | head -n1)"
		echo "libnvme $(dpkg-query -W -f='${Version}' libnvme-dev)"
		echo "version $(LD_LIBRARY_PATH=$PWD/build/lib "$out/bin/nvme" version | head -n1)"
		echo "built in $((SECONDS - start)) s"
	} > "$out/info"
	rm -rf -- "$src" "$obj"
	say "built in $((SECONDS - start)) s"
}

tmp=""
cleanup() {
	[ -z "$tmp" ] || rm -rf -- "$tmp"
}

main() {
	local version key dir
	local -a patches plugin_files doc_files

	[ -e "$LIBLM_SO" ] || die "no $LIBLM_SO: make lib first"
	shopt -s nullglob
	patches=("$PWD/$PATCH_DIR"/*.patch)
	plugin_files=("$PWD/$PLUGIN_DIR"/*.[ch])
	doc_files=("$PWD/$DOC_DIR"/*.txt)
	shopt -u nullglob
	[ ${#plugin_files[@]} -gt 0 ] || die "no plugin sources in $PLUGIN_DIR"
	mkdir -p "$CACHE_ROOT"

	# One build at a time; whoever waited finds the result done.
	exec 9> "$CACHE_ROOT/.lock"
	flock 9
	if [ "$(cat "$SOURCE_LIST" 2>/dev/null)" != "$(source_entry)" ] ||
	   ! version=$(source_version); then
		apt_source_list "$SOURCE_LIST" "$(source_entry)"
		version=$(source_version) ||
			die "the mirror serves no $SOURCE_PKG source (see $SOURCE_LIST)"
	fi
	# Before the key: the versions of libnvme and json-c are part of it.
	build_deps
	key=$(cache_key "$version")
	dir=$CACHE_ROOT/$key
	if [ ! -f "$dir/info" ]; then
		cache_download "$DOWNLOAD_DIR" "$SOURCE_PKG" "$version" || die "the mirror does not serve $SOURCE_PKG $version"
		trap cleanup EXIT
		trap 'exit 130' INT TERM
		tmp=$(mktemp -d "$CACHE_ROOT/.$key.XXXXXX")
		chmod 755 "$tmp"
		build "$version" "$tmp" "$key"
		rm -rf -- "$dir"
		mv -- "$tmp" "$dir"
		tmp=""
	fi
	say "using $dir ($(grep '^source ' "$dir/info"))"
	# The directory's time says when it was last used.
	touch "$dir"
	cache_prune "$CACHE_ROOT" "$CACHE_DAYS" "$dir" "$DOWNLOAD_DIR"
	flock -u 9
	echo "$dir"
}

main "$@"
