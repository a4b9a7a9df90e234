#!/bin/sh
# Cloudflare's edge ranges as UFW rules, written by `cfsync render --backend ufw`.
# Run it as root: `sh FILE`. UFW skips a rule it already has, so running it again is harmless,
# but it only adds: a range Cloudflare dropped keeps its rule until `ufw delete allow ...`
# (`cfsync check FILE` names them; `cfsync apply --backend ufw` also removes them).
# Only the lines between the BEGIN/END cfsync markers are cfsync's: `cfsync render --in-place
# FILE` refreshes them.
set -e
# BEGIN cfsync ipv4
ufw allow proto tcp from 103.21.244.0/22 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 103.22.200.0/22 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 103.31.4.0/22 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 104.16.0.0/13 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 104.24.0.0/14 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 108.162.192.0/18 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 131.0.72.0/22 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 141.101.64.0/18 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 162.158.0.0/15 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 172.64.0.0/13 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 173.245.48.0/20 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 188.114.96.0/20 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 190.93.240.0/20 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 197.234.240.0/22 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 198.41.128.0/17 to any port 80,443 comment 'cfsync'
# END cfsync ipv4
# BEGIN cfsync ipv6
ufw allow proto tcp from 2400:cb00::/32 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2405:8100::/32 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2405:b500::/32 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2606:4700::/32 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2803:f800::/32 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2a06:98c0::/29 to any port 80,443 comment 'cfsync'
ufw allow proto tcp from 2c0f:f248::/32 to any port 80,443 comment 'cfsync'
# END cfsync ipv6
