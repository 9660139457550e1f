// Decrypt a credential secret stored by the console, from a Node.js service.
//
//   CREDENTIALS_ENCRYPTION_KEYS=key1,key2 node decrypt_secret.js 'enc:v1:...'
//
// A Fernet token is base64url(version 0x80 | 8-byte timestamp | 16-byte IV | ciphertext |
// 32-byte HMAC-SHA256); the key's first 16 bytes sign, the last 16 encrypt (AES-128-CBC).
const crypto = require("crypto");

function decryptSecret(stored, keys) {
  const [prefix, version, keyId, ...rest] = stored.split(":");
  const token = rest.join(":");
  if (prefix !== "enc" || version !== "v1") throw new Error("not an enc:v1 secret");
  const key = keys
    .map((k) => Buffer.from(k, "base64url"))
    .find((raw) => crypto.createHash("sha256").update(raw).digest("hex").slice(0, 8) === keyId);
  if (!key) throw new Error(`no configured key has id ${keyId}`);
  const data = Buffer.from(token, "base64url");
  const signed = data.subarray(0, data.length - 32);
  const mac = crypto.createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  if (data[0] !== 0x80 || !crypto.timingSafeEqual(mac, data.subarray(data.length - 32))) {
    throw new Error("tampered or not sealed by this key");
  }
  const decipher = crypto.createDecipheriv("aes-128-cbc", key.subarray(16), signed.subarray(9, 25));
  return Buffer.concat([decipher.update(signed.subarray(25)), decipher.final()]).toString("utf8");
}

module.exports = { decryptSecret };

if (require.main === module) {
  console.log(decryptSecret(process.argv[2], process.env.CREDENTIALS_ENCRYPTION_KEYS.split(",")));
}
