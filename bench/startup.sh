#!/usr/bin/env bash
# Start-up benchmark: a no-op cfsync run against a bare `java` hello world, same run, same
# machine. Prints milliseconds (median and fastest of N runs, interleaved so that load from
# elsewhere hits every case alike) and the ratio of medians. Asserts nothing.
#
#   bench/startup.sh [RUNS]          # after ./mvnw -B -DskipTests package; root for the apply case
#
# It runs cfsync the way the package does: the /usr/bin/cfsync launcher (src/deb/bin/cfsync)
# with the class-data-sharing archive that postinst makes (src/deb/share/make-cds-archive),
# here for target/cfsync.jar. The apply case runs inside a network namespace made for it
# (never on this host's firewall): a first apply installs the rules, the measured ones find
# nothing to change. Remote lists come from a loopback HTTP server once, then from the cache
# (--max-age), as a timer run with a fresh cache does: no network on the measured path.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
out="$here/bench-out"
jar="$here/target/cfsync.jar"
[ -f "$jar" ] || { echo "bench: build first: ./mvnw -B -DskipTests package" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/state" "$out/www"
ns=""
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

cat > "$out/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$out" "$out/Hello.java"

export CFSYNC_JAR="$jar" CFSYNC_CDS_ARCHIVE="$out/cfsync.jsa"
"$here/src/deb/share/make-cds-archive" "$CFSYNC_CDS_ARCHIVE"
cfsync="$here/src/deb/bin/cfsync"

# The Cloudflare lists on loopback (the built-in snapshot's files), fetched once into the cache.
cp "$here"/src/main/resources/io/cfsync/source/builtin/ips-v*.txt "$out/www/"
port=$((20000 + RANDOM % 20000))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$out/www" >/dev/null 2>&1 &
server=$!
common=(--config /dev/null --state-dir "$out/state" --source cloudflare
  --ipv4-url "http://127.0.0.1:$port/ips-v4.txt" --ipv6-url "http://127.0.0.1:$port/ips-v6.txt")
for _ in $(seq 50); do
  "$cfsync" fetch "${common[@]}" >/dev/null 2>"$out/seed.err" && grep -q "(fresh)" "$out/seed.err" && break
done
grep -q "(fresh)" "$out/seed.err" || { echo "bench: could not seed the cache:" >&2; cat "$out/seed.err" >&2; exit 1; }
kill "$server"; server=""
cached=("${common[@]}" --max-age 1h)

names=(hello version fetch-builtin fetch-cached)
cmds=("java -cp $out Hello"
  "$cfsync --version"
  "$cfsync fetch --config /dev/null --source builtin --state-dir $out/state"
  "$cfsync fetch ${cached[*]}")

if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
  ns="cfsbench$$"
  ip netns add "$ns"
  if ip netns exec "$ns" "$cfsync" apply --backend nftables "${cached[@]}" >"$out/apply.out" 2>&1; then
    ip netns exec "$ns" "$cfsync" apply --backend nftables "${cached[@]}" 2>"$out/noop.err"
    grep -q "in sync" "$out/noop.err" || { echo "bench: second apply was not a no-op:" >&2; cat "$out/noop.err" >&2; exit 1; }
    # apply-noop-auto: the default --backend auto, which first reads what governs the host
    names+=(hello-in-netns apply-noop apply-noop-auto)
    cmds+=("ip netns exec $ns java -cp $out Hello"
      "ip netns exec $ns $cfsync apply --backend nftables ${cached[*]}"
      "ip netns exec $ns $cfsync apply ${cached[*]}")
  else
    echo "bench: apply skipped: $(head -1 "$out/apply.out")"
  fi
else
  echo "bench: apply skipped (needs root and nft)"
fi

declare -A times
for ((i = -2; i < runs; i++)); do
  for k in "${!names[@]}"; do
    t0=$(date +%s%N)
    ${cmds[$k]} >/dev/null 2>"$out/last.err" || { echo "bench: ${names[$k]} failed:" >&2; cat "$out/last.err" >&2; exit 1; }
    t1=$(date +%s%N)
    ((i >= 0)) && times[${names[$k]}]+="$(( (t1 - t0) / 1000 )) "
  done
done

stat() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.1f %.1f", a[int((NR+1)/2)]/1000, a[1]/1000}'; }
java -version 2>&1 | head -1
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each"
printf '%-16s %10s %10s %8s\n' case median_ms min_ms ratio
read -r hello_med _ <<<"$(stat <<<"${times[hello]}")"
for n in "${names[@]}"; do
  read -r med min <<<"$(stat <<<"${times[$n]}")"
  base=$hello_med
  [[ "$n" == apply-noop* ]] && read -r base _ <<<"$(stat <<<"${times[hello-in-netns]}")"
  printf '%-16s %10s %10s %7.2fx\n' "$n" "$med" "$min" "$(awk -v a="$med" -v b="$base" 'BEGIN {print a / b}')"
done
