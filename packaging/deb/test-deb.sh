#!/usr/bin/env bash
# Builds the .deb and proves it on a clean Debian 12 root, as a county IT officer would meet it:
#   1. lintian: no errors (warnings and notes are printed);
#   2. a clean root (debootstrap minbase), where apt installs the .deb and exactly the
#      dependencies dpkg-shlibdeps computed — nothing of the build machine's;
#   3. what the package made: the jiaoying user, its folders, the config readable by the daemon
#      alone, the conffiles, the unit enabled; `systemd-analyze verify` on the installed unit and
#      `systemd-analyze security --offline` (its score printed);
#   4. unconfigured, jiaoyingd refuses to start and names every CHANGE-ME;
#   5. configured by hand (a config, a directory, a plan — the simulator for providers), it is
#      started exactly as the unit starts it (User=jiaoying, the RuntimeDirectory, NOTIFY_SOCKET
#      and WATCHDOG_USEC as systemd sets them): it says READY=1, pings the watchdog, takes a
#      warning, sends its cards, answers the CLI, is backed up, and stops cleanly on SIGTERM;
#   6. `jiaoying demo` runs from the installed files alone;
#   7. purged: the unit gone, the database (the record) kept.
# Under a journald of the root's own, step 5 also reads the daemon's entries back by their fields
# (journalctl WARNING_ID=1).
# Where the machine cannot make a chroot (no debootstrap, no mount), it says so and stops with 1,
# or, with DEB_ON_HOST=1 (CI sets CI=true, which counts), installs on the machine itself — which
# then proves everything but that the dependencies are complete.
#   BUILD_DIR (default build)   DEB_BASE (a cached clean root; default $BUILD_DIR/deb-base)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
base=${DEB_BASE:-$build/deb-base}
mirror=${DEB_MIRROR:-http://deb.debian.org/debian}
say() { printf '\n== %s\n' "$*"; }
fail() { printf 'test-deb: FAILED: %s\n' "$*" >&2; exit 1; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
tools=()
for t in lintian help2man debootstrap; do command -v "$t" >/dev/null 2>&1 || tools+=("$t"); done
if ((${#tools[@]})); then
  say "installing ${tools[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null
fi

say "building the package"
cmake -S . -B "$build" -G Ninja >/dev/null  # again, so the man pages' help2man is found
cmake --build "$build"
rm -f "$build"/jiaoying_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/jiaoying_*_amd64.deb)
echo "$deb: $(du -h "$deb" | cut -f1)"
dpkg-deb -f "$deb" Depends

say "lintian"
lintian --fail-on error --allow-root "$deb" || fail "lintian found errors in $deb"
echo "lintian: no errors"

say "a clean Debian 12 root"
root=""
daemon_pid="" sim_pid="" notify_pid="" journald_pid=""
cleanup() {
  set +e
  for pid in $daemon_pid $sim_pid $notify_pid $journald_pid; do kill "$pid" 2>/dev/null; done
  sleep 0.5
  if [ -n "$root" ]; then
    mountpoint -q "$root/sys" && umount -R -l "$root/sys"
    for m in dev/pts dev proc; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
if [ ! -x "$base/usr/bin/apt-get" ]; then
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$build/debootstrap.log" 2>&1 ||
    { rm -rf "$base"; echo "test-deb: debootstrap could not make a clean root (see $build/debootstrap.log)"; }
fi
if [ -x "$base/usr/bin/apt-get" ]; then
  root=$(mktemp -d /tmp/jiaoying-deb-root-XXXXXX)
  cp -a "$base/." "$root/"
  # /sys with its cgroup mounts: journald will not start without them.
  if mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" && mount --bind /dev/pts "$root/dev/pts" &&
    mount --rbind /sys "$root/sys"; then
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    echo "a chroot at $root (debootstrap minbase bookworm)"
  else
    cleanup
    root=""
  fi
fi
if [ -z "$root" ]; then
  # The issue's fallback: the machine itself. The dependencies are then not proven complete.
  [ "${DEB_ON_HOST:-${CI:-}}" ] || fail "no chroot can be made here; DEB_ON_HOST=1 installs on this machine instead"
  echo "test-deb: no chroot here: installing on this machine itself (its libraries may hide a missing dependency)"
fi
in_root() {
  if [ -n "$root" ]; then chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
  else env PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; fi
}
# As the unit's User=jiaoying, Group=jiaoying: "${as_jiaoying[@]}" COMMAND (set once the package made
# the user). chroot and setpriv exec what they run, so $! of one in the background is the
# program's own pid: signals reach it, and `wait` gives its exit status.
as_jiaoying=()
set_as_jiaoying() {
  local uid gid
  uid=$(in_root id -u jiaoying)
  gid=$(in_root id -g jiaoying)
  if [ -n "$root" ]; then
    as_jiaoying=(chroot --userspec="$uid:$gid" --groups="$gid" "$root")
  else
    as_jiaoying=(setpriv --reuid="$uid" --regid="$gid" --init-groups)
  fi
  as_jiaoying+=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
}

say "apt install ./$(basename "$deb") (and only its dependencies)"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" curl socat man-db >"$build/deb-install.log" 2>&1 ||
  { cat "$build/deb-install.log"; fail "the package did not install"; }
grep -A3 "^jiaoying: set every CHANGE-ME" "$build/deb-install.log" || fail "postinst did not say what to configure"

say "what the package made"
in_root id jiaoying || fail "no jiaoying user"
set_as_jiaoying
[ "$(in_root stat -c '%U:%G %a' /var/lib/jiaoying)" = "jiaoying:jiaoying 750" ] || fail "/var/lib/jiaoying"
[ "$(in_root stat -c '%U:%G %a' /var/spool/jiaoying)" = "jiaoying:jiaoying 750" ] || fail "/var/spool/jiaoying"
[ "$(in_root stat -c '%U:%G %a' /etc/jiaoying/jiaoyingd.yaml)" = "root:jiaoying 640" ] || fail "the config's owner or mode"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' jiaoying | grep -c /etc/jiaoying/)
[ "$conffiles" -ge 7 ] || fail "only $conffiles conffiles"
echo "conffiles: $conffiles under /etc/jiaoying"
[ -L "$root/etc/systemd/system/multi-user.target.wants/jiaoyingd.service" ] || fail "the unit is not enabled"
echo "unit: enabled (multi-user.target.wants)"
in_root systemd-analyze verify /usr/lib/systemd/system/jiaoyingd.service || fail "systemd-analyze verify"
echo "systemd-analyze verify: clean"
in_root systemd-analyze security --offline=true --no-pager /usr/lib/systemd/system/jiaoyingd.service |
  tee "$build/deb-security.txt" | tail -1
for page in jiaoyingd.8.gz; do [ -f "$root/usr/share/man/man8/$page" ] || fail "no man page $page"; done

say "unconfigured: jiaoyingd refuses, naming every CHANGE-ME"
set +e
"${as_jiaoying[@]}" /usr/sbin/jiaoyingd --config /etc/jiaoying/jiaoyingd.yaml >"$build/deb-refused.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$build/deb-refused.txt"; fail "an unconfigured jiaoyingd exited $rc, not 2"; }
grep -q "channels.zzd.api_key is still the example's 'CHANGE-ME'" "$build/deb-refused.txt" || fail "no line names api_key"
tail -1 "$build/deb-refused.txt"

say "configured by hand, started as the unit starts it"
# Ports nobody listens on now (a connect refused), picked at random: a fixed one may be taken.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
port=$(free_port)
sim_port=$(free_port)
metrics_port=$(free_port)
cat >"$root/etc/jiaoying/jiaoyingd.yaml" <<EOF
# the install test's: providers are jiaoying-sim on loopback
listen: 127.0.0.1:$port
database: /var/lib/jiaoying/jiaoying.db
plans: /etc/jiaoying/plans
directory: /etc/jiaoying/directory.yaml
callback_secret: install-test-callback-secret-0123456789
feeds:
  - { name: met, type: push, token: install-test-push-token-0123 }
metrics: { listen: "127.0.0.1:$metrics_port" }
channels:
  zzd: { base_url: "http://127.0.0.1:$sim_port", api_key: demo-api-key, secret_key: demo-secret-key-not-for-production, tenant_id: "196729" }
EOF
rm -f "$root"/etc/jiaoying/plans/*.yaml
cat >"$root/etc/jiaoying/plans/rain.yaml" <<'EOF'
plan: rain
match: { hazards: [rainstorm], levels: [orange, red] }
recipients:
  - { tier: county,   roles: [leader_on_duty] }
  - { tier: township, roles: [township_head] }
  - { tier: village,  roles: [village_head, flood_chief] }
ladder:
  - { after: 0m, channels: [zzd] }
  - { after: 3m, channels: [zzd] }
deadline: 30m
EOF
cp "$root/usr/share/jiaoying/demo/directory.yaml" "$root/etc/jiaoying/directory.yaml"
in_root jiaoying --config /etc/jiaoying/jiaoyingd.yaml plan check || fail "jiaoying plan check"
cat >"$root/tmp/scenario.yaml" <<'EOF'
zzd: { api_key: demo-api-key, secret_key: demo-secret-key-not-for-production, tenant_id: "196729" }
default: 5s
EOF
# Not through in_root (a function: in the background a subshell, whose pid is not the sim's).
if [ -n "$root" ]; then in_root_cmd=(chroot "$root"); else in_root_cmd=(); fi
"${in_root_cmd[@]}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 jiaoying-sim --listen "127.0.0.1:$sim_port" --scenario /tmp/scenario.yaml --log /tmp/sim.jsonl \
  >"$build/deb-sim.log" 2>&1 &
sim_pid=$!
# systemd's part: RuntimeDirectory=jiaoying (0750), a notify socket, WatchdogSec=30s → WATCHDOG_USEC.
in_root install -d -o jiaoying -g jiaoying -m 0750 /run/jiaoying /run/notify
"${as_jiaoying[@]}" socat -u UNIX-RECV:/run/notify/sock,unlink-early OPEN:/run/notify/said,creat,append \
  >"$build/deb-notify.log" 2>&1 &
notify_pid=$!
sleep 0.5
# The journal, as under systemd: a journald of the root's own, and stderr named by JOURNAL_STREAM
# (systemd's device:inode of the stream it gave), so jiaoyingd writes entries with fields.
journal_stream=""
if [ -n "$root" ]; then
  "${in_root_cmd[@]}" /lib/systemd/systemd-journald >"$build/deb-journald.log" 2>&1 &
  journald_pid=$!
  for _ in $(seq 50); do [ -S "$root/run/systemd/journal/socket" ] && break; sleep 0.1; done
  sleep 0.3
  if kill -0 "$journald_pid" 2>/dev/null; then
    : >"$build/deb-daemon.log"
    journal_stream="JOURNAL_STREAM=$(stat -c '%d:%i' "$build/deb-daemon.log")"
  else
    echo "journal: journald did not start in the chroot ($(tail -1 "$build/deb-journald.log")); logs stay on stderr"
    journald_pid=""
  fi
fi
exec_start=$(sed -n 's/^ExecStart=//p' "$root/usr/lib/systemd/system/jiaoyingd.service")
"${as_jiaoying[@]}" NOTIFY_SOCKET=/run/notify/sock WATCHDOG_USEC=2000000 $journal_stream $exec_start \
  >>"$build/deb-daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do grep -q READY=1 "$root/run/notify/said" 2>/dev/null && break; sleep 0.2; done
grep -q READY=1 "$root/run/notify/said" || { cat "$build/deb-daemon.log"; fail "no READY=1 on the notify socket"; }
echo "READY=1 said on NOTIFY_SOCKET"
sleep 1.5
grep -q WATCHDOG=1 "$root/run/notify/said" || fail "no WATCHDOG=1 pings"
echo "WATCHDOG=1 pinged"
cat >"$root/tmp/warning.json" <<EOF
{"identifier": "install-test-$(date +%s)", "sender": "wucheng-met@jinhua.zj", "sent": "$(date -u -d '+8 hours' +%FT%T)+08:00",
 "source": "meteorology", "hazard": "rainstorm", "level": "red", "areas": ["330702102", "330702204"],
 "headline": "婺城区气象台发布暴雨红色预警", "description": "安装测试：未来3小时雨量将达100毫米以上"}
EOF
in_root curl -sS -f -X POST "http://127.0.0.1:$port/api/v1/warnings" -H "Authorization: Bearer install-test-push-token-0123" \
  -H "Content-Type: application/json" --data-binary @/tmp/warning.json || fail "the warning was not taken"
echo
for _ in $(seq 100); do
  cards=$(grep -c '"biz_msg_id"' "$root/tmp/sim.jsonl" 2>/dev/null || true)
  [ "${cards:-0}" -ge 5 ] && break
  sleep 0.2
done
[ "${cards:-0}" -ge 5 ] || fail "the simulated Zhezhengding took ${cards:-0} cards"
echo "cards taken by the simulated Zhezhengding: $cards"
in_root jiaoying warnings || fail "jiaoying warnings (admin socket)"
in_root jiaoying status || fail "jiaoying status is red"
if [ -n "$journal_stream" ]; then
  for _ in $(seq 50); do
    in_root journalctl --no-pager -o cat SYSLOG_IDENTIFIER=jiaoyingd WARNING_ID=1 2>/dev/null |
      grep -q "(callouts_created)" && break
    sleep 0.2
  done
  in_root journalctl --no-pager -o cat SYSLOG_IDENTIFIER=jiaoyingd WARNING_ID=1 | tee "$build/deb-journal.txt"
  grep -q "(callouts_created)" "$build/deb-journal.txt" || fail "journalctl WARNING_ID=1 does not show the warning's trail"
  in_root journalctl --no-pager -o verbose SYSLOG_IDENTIFIER=jiaoyingd JIAOYING_EVENT=callouts_created |
    grep -q "WARNING_ID=1" || fail "no WARNING_ID field on the entry"
  echo "journal: entries with WARNING_ID=1 (journalctl WARNING_ID=1)"
else
  echo "journal: skipped (no chroot of our own to run a journald in)"
fi
in_root curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep '^jiaoying_messages_total' || fail "no messages counted in /metrics"
"${as_jiaoying[@]}" jiaoying --config /etc/jiaoying/jiaoyingd.yaml backup /var/lib/jiaoying/backup.db ||
  fail "jiaoying backup"
kill -TERM "$daemon_pid"
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=""
[ "$rc" -eq 0 ] || { tail -20 "$build/deb-daemon.log"; fail "jiaoyingd exited $rc on SIGTERM"; }
grep -q STOPPING=1 "$root/run/notify/said" || fail "no STOPPING=1"
echo "SIGTERM: STOPPING=1, exit 0"
kill "$sim_pid" "$notify_pid" $journald_pid 2>/dev/null || true
sim_pid="" notify_pid="" journald_pid=""

say "jiaoying demo, from the installed files alone"
in_root jiaoying demo >"$build/deb-demo.log" 2>&1 || { tail -30 "$build/deb-demo.log"; fail "jiaoying demo"; }
grep "stopped jiaoyingd (exit 0)" "$build/deb-demo.log" || fail "the demo's daemon did not stop cleanly"

say "purge: the unit gone, the record kept"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq jiaoying >"$build/deb-purge.log" 2>&1 ||
  { cat "$build/deb-purge.log"; fail "purge"; }
[ ! -e "$root/usr/sbin/jiaoyingd" ] || fail "jiaoyingd left behind"
[ ! -e "$root/etc/systemd/system/multi-user.target.wants/jiaoyingd.service" ] || fail "the unit still enabled"
[ -f "$root/var/lib/jiaoying/jiaoying.db" ] || fail "purge removed the database"
echo "purged; /var/lib/jiaoying/jiaoying.db kept"
say "test-deb: passed ($deb)"
