// Decrypt a credential secret stored by the console, from a Node.js service.
//
//   CREDENTIALS_ENCRYPTION_KEYS=key1,key2 node decrypt_secret.js \
//       <collection> <credential_id> <field> 'enc:v2:...'
//
// enc:v2: base64url(12-byte nonce | AES-256-GCM ciphertext | 16-byte tag). The AES key is
// HKDF-SHA256 of the raw configured key (no salt, info below, 32 bytes); the associated data
// is "<collection>\0<credential_id>\0<field>", so a value opens only in the place it was
// sealed for.
// enc:v1 (written before): a Fernet token, base64url(version 0x80 | 8-byte timestamp |
// 16-byte IV | ciphertext | 32-byte HMAC-SHA256); the key's first 16 bytes sign, the last
// 16 encrypt (AES-128-CBC).
// Needs only Node's built-in crypto.
const crypto = require("crypto");

const AES_KEY_INFO = "credentials-console enc:v2 AES-256-GCM key";
const REFUSED = "tampered, sealed for another place, or not sealed by this key";

function openFernet(key, token) {
  const data = Buffer.from(token, "base64url");
  const signed = data.subarray(0, data.length - 32);
  const mac = crypto.createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  if (data[0] !== 0x80 || !crypto.timingSafeEqual(mac, data.subarray(data.length - 32))) {
    throw new Error(REFUSED);
  }
  const decipher = crypto.createDecipheriv("aes-128-cbc", key.subarray(16), signed.subarray(9, 25));
  return Buffer.concat([decipher.update(signed.subarray(25)), decipher.final()]);
}

function openAesGcm(key, payload, place) {
  const aesKey = Buffer.from(crypto.hkdfSync("sha256", key, Buffer.alloc(0), AES_KEY_INFO, 32));
  const data = Buffer.from(payload, "base64url");
  if (data.length < 12 + 16) throw new Error(REFUSED);
  const decipher = crypto.createDecipheriv("aes-256-gcm", aesKey, data.subarray(0, 12));
  decipher.setAAD(Buffer.from(place.join("\0"), "utf8"));
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
  } catch {
    throw new Error(REFUSED);
  }
}

function decryptSecret(stored, keys, collection, credentialId, field) {
  const [prefix, version, keyId, ...rest] = stored.split(":");
  const payload = rest.join(":");
  if (prefix !== "enc" || !["v1", "v2"].includes(version)) throw new Error("not an enc:v1 or enc:v2 secret");
  const key = keys
    .map((k) => Buffer.from(k, "base64url"))
    .find((raw) => crypto.createHash("sha256").update(raw).digest("hex").slice(0, 8) === keyId);
  if (!key) throw new Error(`no configured key has id ${keyId}`);
  const place = [collection, credentialId, field];
  const plain = version === "v1" ? openFernet(key, payload) : openAesGcm(key, payload, place);
  return plain.toString("utf8");
}

module.exports = { decryptSecret };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length !== 4) {
    console.error("usage: node decrypt_secret.js <collection> <credential_id> <field> <stored value>");
    process.exit(2);
  }
  const [collection, credentialId, field, stored] = args;
  const keys = process.env.CREDENTIALS_ENCRYPTION_KEYS.split(",");
  try {
    console.log(decryptSecret(stored, keys, collection, credentialId, field));
  } catch (error) {
    console.error(`cannot decrypt: ${error.message}`);
    process.exit(1);
  }
}
