// 留证 Liuzheng — the offline bundle check behind verify.html (WebCrypto only, no network).
"use strict";
(function () {
  var SEAL = ["SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig"];
  var results = document.getElementById("results");
  var summary = document.getElementById("summary");
  var checks = 0, fails = 0;

  function line(ok, text) {
    var li = document.createElement("li");
    li.className = ok ? "ok" : "bad";
    li.textContent = (ok ? "✔ " : "✖ ") + text;
    results.appendChild(li);
    checks += 1;
    if (!ok) fails += 1;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function pemToDer(text) {
    var body = text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    var raw = atob(body), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function finish(note) {
    summary.hidden = false;
    summary.className = "box " + (fails ? "bad" : "ok");
    summary.dataset.ok = fails ? "no" : "yes";
    summary.textContent = fails
      ? "核验未通过：" + checks + " 项检查中 " + fails + " 项不成立（见下方 ✖ 行）。NOT VERIFIED: " + fails + " of " + checks + " checks failed."
      : "核验通过：" + checks + " 项检查全部成立（文件哈希与签名）。" + (note || "") + " VERIFIED: all " + checks + " checks hold.";
  }

  async function run(fileList) {
    results.textContent = "";
    checks = 0; fails = 0;
    if (!window.crypto || !window.crypto.subtle) {
      summary.hidden = false;
      summary.className = "box bad";
      summary.dataset.ok = "unsupported";
      summary.textContent = "此浏览器不支持 WebCrypto，无法在此核验。请改用最新版 Chrome、Edge、Firefox 或 Safari，或运行 verify.sh。";
      return;
    }
    var files = {};
    Array.prototype.forEach.call(fileList, function (f) {
      var rel = f.webkitRelativePath || f.name;
      var cut = rel.indexOf("/");
      files[cut >= 0 ? rel.slice(cut + 1) : rel] = f;
    });
    if (!files["SHA256SUMS"]) {
      line(false, "SHA256SUMS：没有找到。请选择解压后的证据包文件夹本身。/ not found: choose the unzipped bundle folder.");
      return finish();
    }
    var sumsBytes = await files["SHA256SUMS"].arrayBuffer();
    var listed = {};
    var sumsOk = true;
    new TextDecoder().decode(sumsBytes).split("\n").forEach(function (l, n) {
      if (!l) return;
      var m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(l);
      if (!m) { sumsOk = false; line(false, "SHA256SUMS 第 " + (n + 1) + " 行格式不对 / line " + (n + 1) + " is malformed"); return; }
      listed[m[2]] = m[1];
    });
    var good = 0, total = Object.keys(listed).length;
    for (var name in listed) {
      if (!files[name]) { line(false, name + "：缺失（SHA256SUMS 列出了它）/ missing"); continue; }
      var digest = hex(await crypto.subtle.digest("SHA-256", await files[name].arrayBuffer()));
      if (digest === listed[name]) good += 1;
      else line(false, name + "：已被改动，SHA-256 与 SHA256SUMS 不符 / altered: its SHA-256 differs");
    }
    Object.keys(files).forEach(function (name) {
      if (!(name in listed) && SEAL.indexOf(name) < 0) {
        line(false, name + "：未列入 SHA256SUMS，不在签名范围内 / not covered by SHA256SUMS");
      }
    });
    line(good === total && sumsOk, "SHA256SUMS：" + good + " / " + total + " 个文件的 SHA-256 一致 / files match");

    var key = null, note = "";
    if (!files["keys/signing-key.pem"]) {
      line(false, "keys/signing-key.pem：缺失 / missing");
    } else {
      try {
        key = await crypto.subtle.importKey("spki", pemToDer(await files["keys/signing-key.pem"].text()),
          { name: "Ed25519" }, true, ["verify"]);
      } catch (e) {
        if (e && e.name === "NotSupportedError") {
          note = "（此浏览器不支持 Ed25519，签名未核验：请用最新版 Chrome / Edge / Firefox / Safari，或运行 verify.sh。）";
          summary.dataset.ed25519 = "unsupported";
          line(false, "此浏览器不支持 Ed25519 签名核验，签名未能核验。请改用最新版浏览器或运行 verify.sh。/ this browser lacks Ed25519: signatures not checked");
        } else {
          line(false, "keys/signing-key.pem：不是有效的 Ed25519 公钥 / not an Ed25519 public key");
        }
      }
    }
    if (key) {
      var pairs = [["SHA256SUMS", "SHA256SUMS.sig"], ["manifest.json", "manifest.json.sig"]];
      if (files["SHA256SUMS.tsr"] || files["SHA256SUMS.tsr.sig"]) pairs.push(["SHA256SUMS.tsr", "SHA256SUMS.tsr.sig"]);
      for (var i = 0; i < pairs.length; i++) {
        var data = files[pairs[i][0]], sig = files[pairs[i][1]];
        if (!data || !sig) { line(false, pairs[i][1] + "：缺失 / missing"); continue; }
        var ok = false;
        try {
          ok = await crypto.subtle.verify({ name: "Ed25519" }, key, await sig.arrayBuffer(), await data.arrayBuffer());
        } catch (e) { ok = false; }
        line(ok, ok ? pairs[i][1] + "：" + pairs[i][0] + " 的 Ed25519 签名有效 / the signature verifies"
                    : pairs[i][1] + "：" + pairs[i][0] + " 的 Ed25519 签名无效，文件或签名已被改动 / the signature does not verify");
      }
      try {
        var fp = hex(await crypto.subtle.digest("SHA-256", await crypto.subtle.exportKey("raw", key)));
        note += " 签名公钥指纹 / key fingerprint: " + fp;
      } catch (e) { /* a non-extractable key: the fingerprint is in README.txt */ }
    }
    finish(note);
  }

  document.getElementById("folder").addEventListener("change", function (event) {
    run(event.target.files).catch(function (e) {
      line(false, "核验中出错 / error while checking: " + e);
      finish();
    });
  });
})();
