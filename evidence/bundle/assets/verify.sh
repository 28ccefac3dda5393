#!/bin/sh
# 留证 Liuzheng — 核验本证据包 / verify this evidence bundle.
# Needs only a POSIX sh, coreutils (sha256sum, basenc, cut, tr, sort, comm) and OpenSSL 3.
# Run it in the unzipped folder:  sh verify.sh
# Exit status 0 only when every check holds; 1 when one fails; 2 when a tool is missing.
export LC_ALL=C
cd "$(dirname "$0")" || exit 2
checks=0
fails=0
ok() { checks=$((checks + 1)); printf '  OK    %s\n' "$1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); printf '  FAIL  %s\n' "$1"; }
for tool in sha256sum basenc cut tr sort comm find sed grep openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "缺少工具 / missing tool: $tool"; exit 2; }
done
hex_sha256() { tr a-f A-F | basenc --base16 -d | sha256sum | cut -c1-64; }
# Timestamps were taken when a TSA answered at export: then SHA256SUMS (signed) lists manifest.json.tsr.
tsa=no
grep -q '  manifest\.json\.tsr$' SHA256SUMS 2>/dev/null && tsa=yes

echo "留证 Liuzheng — 证据包核验 / bundle verification"

# 1. Every file against SHA256SUMS.
if [ -f SHA256SUMS ] && sha256sum --strict --quiet -c SHA256SUMS; then
  ok "SHA256SUMS: 每个文件的 SHA-256 一致 / every listed file matches"
else
  bad "SHA256SUMS: 有文件缺失或被改动（见上）/ a file is missing or altered (see above)"
fi

# 2. Every file is covered: listed in SHA256SUMS, or one of SHA256SUMS*.
find . -type f | sed 's|^\./||' | sort > .verify-files.tmp
{ cut -c67- SHA256SUMS 2>/dev/null; printf 'SHA256SUMS\nSHA256SUMS.sig\nSHA256SUMS.tsr\nSHA256SUMS.tsr.sig\n.verify-files.tmp\n.verify-listed.tmp\n'; } \
  | sort -u > .verify-listed.tmp
extra=$(comm -23 .verify-files.tmp .verify-listed.tmp)
rm -f .verify-files.tmp .verify-listed.tmp
if [ -z "$extra" ]; then
  ok "每个文件都在签名范围内 / every file is covered by SHA256SUMS"
else
  for f in $extra; do bad "$f: 未列入 SHA256SUMS，不在签名范围内 / not covered by SHA256SUMS"; done
fi

# 3. The Ed25519 signatures (the token over SHA256SUMS is itself signed: nothing else covers it).
signed="SHA256SUMS manifest.json"
{ [ -f SHA256SUMS.tsr ] || [ -f SHA256SUMS.tsr.sig ]; } && signed="$signed SHA256SUMS.tsr"
for f in $signed; do
  if openssl pkeyutl -verify -pubin -inkey keys/signing-key.pem -rawin -in "$f" -sigfile "$f.sig" 2>/dev/null \
      | grep -q 'Signature Verified Successfully'; then
    ok "$f.sig: Ed25519 签名有效 / the signature verifies"
  else
    bad "$f.sig: Ed25519 签名无效或缺失 / the signature does not verify or is missing"
  fi
done

ts_ok() { # $1 = digest hex or "-data FILE", $2 = token
  if [ "${1#-data }" != "$1" ]; then
    openssl ts -verify -data "${1#-data }" -in "$2" -CAfile keys/tsa-chain.pem 2>/dev/null
  else
    openssl ts -verify -digest "$1" -in "$2" -CAfile keys/tsa-chain.pem 2>/dev/null
  fi | grep -q 'Verification: OK'
}

# 4. The timestamps: SHA256SUMS, manifest.json, and every proof in timestamps/proofs.txt.
if [ "$tsa" = yes ]; then
  for f in SHA256SUMS manifest.json; do
    if [ -f "$f.tsr" ] && ts_ok "-data $f" "$f.tsr"; then
      ok "$f.tsr: RFC 3161 时间戳有效 / the token verifies"
    else
      bad "$f.tsr: 时间戳缺失或无效 / the token is missing or does not verify"
    fi
  done
  while read -r kind subject token steps; do
    [ -n "$kind" ] || continue
    if [ "$kind" = file ]; then
      h=$(sha256sum "$subject" 2>/dev/null | cut -c1-64)
      what="$subject"
    else
      h=$(sed -n "${subject}p" custody.jsonl | sed -n 's/.*"hash":"\([0-9a-f]\{64\}\)".*/\1/p')
      what="custody.jsonl #$subject"
    fi
    if [ -n "$steps" ]; then
      h=$(printf '00%s' "$h" | hex_sha256)
      for step in $steps; do
        side=$(printf '%s' "$step" | cut -c1)
        sibling=$(printf '%s' "$step" | cut -c2-)
        if [ "$side" = L ]; then h=$(printf '01%s%s' "$sibling" "$h" | hex_sha256)
        else h=$(printf '01%s%s' "$h" "$sibling" | hex_sha256); fi
      done
    fi
    if [ -n "$h" ] && [ -f "$token" ] && ts_ok "$h" "$token"; then
      ok "$what: 时间戳有效 / timestamp verifies ($token)"
    else
      bad "$what: 时间戳无效 / the timestamp does not verify ($token)"
    fi
  done < timestamps/proofs.txt
else
  echo "  --    导出时没有时间戳（未配置或未应答）：时间为服务器时间 / no timestamps: server time only"
  if [ -f SHA256SUMS.tsr ] || [ -f manifest.json.tsr ]; then
    bad "时间戳文件未列入 SHA256SUMS / a token SHA256SUMS does not list"
  fi
fi

# 5. The custody chain: each line's hash, its link to the previous one, the head in manifest.json.
prev=0000000000000000000000000000000000000000000000000000000000000000
n=0
broken=""
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  stored=$(printf '%s\n' "$line" | sed -n 's/.*"hash":"\([0-9a-f]\{64\}\)".*/\1/p')
  link=$(printf '%s\n' "$line" | sed -n 's/.*"prev_hash":"\([0-9a-f]\{64\}\)".*/\1/p')
  seq=$(printf '%s\n' "$line" | sed -n 's/.*"seq":\([0-9]*\)[,}].*/\1/p')
  calc=$(printf '%s' "$line" | sed 's/,"hash":"[0-9a-f]\{64\}"//' | tr -d '\n' | sha256sum | cut -c1-64)
  if [ -z "$stored" ] || [ "$calc" != "$stored" ] || [ "$link" != "$prev" ] || [ "$seq" != "$n" ]; then
    broken=$n
    break
  fi
  prev=$stored
done < custody.jsonl
head=$(sed -n 's/^    "head": "\([0-9a-f]*\)",\{0,1\}$/\1/p' manifest.json)
events=$(sed -n 's/^    "events": \([0-9]*\),\{0,1\}$/\1/p' manifest.json)
if [ -n "$broken" ]; then
  bad "custody.jsonl: 保管链在第 $broken 条断开 / the chain breaks at event #$broken"
elif [ "$prev" != "$head" ] || [ "$n" != "$events" ]; then
  bad "custody.jsonl: 未止于 manifest.json 所记的最新记录 / does not end at the head in manifest.json"
else
  ok "custody.jsonl: $n 条记录，哈希链完整 / $n events, every hash link holds"
fi

echo
if [ "$fails" -eq 0 ]; then
  echo "核验通过：$checks 项检查全部成立。"
  echo "VERIFIED: all $checks checks hold."
  exit 0
fi
echo "核验未通过：$checks 项检查中 $fails 项不成立（见 FAIL 行）。"
echo "NOT VERIFIED: $fails of $checks checks failed (see the FAIL lines)."
exit 1
