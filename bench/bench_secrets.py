"""Secrets: encryption and decryption rates, and rotating 50,000 credentials."""

from django.test import override_settings
from pymongo import UpdateOne

from bench.common import bench_credential_id, report, seed_youtube, timed
from credentials.collections import create_or_adopt
from credentials.rotation import rotate_collection
from credentials.secrets import SecretContext, decrypt_secret, encrypt_secret

KEY_A = "4rA0qk8a3G2iVw1O9YFz5bB1U3c6kq9vHq0Zl8H5p2E="
KEY_B = "Zm9yLXRlc3RzLW9ubHktYi0wMTIzNDU2Nzg5YWJjZGU="
CREDENTIALS = 50_000
SECRETS = ("access_token", "refresh_token", "client_secret")


def place(n, name):
    # Each value is sealed for its own document: the credential_id seed_youtube gives document n.
    return SecretContext("youtube_credentials", bench_credential_id(n), name)


def sealed_secrets(n):
    secrets = {name: encrypt_secret(f"{name}-{n}-" + "x" * 120, place(n, name)) for name in SECRETS}
    return {"is_active": False, **secrets}


def raw_read_rewrite(collection):
    """The floor: read every document and rewrite the same fields, with no cryptography."""
    batch = []
    for document in collection.find({}, {name: 1 for name in SECRETS}).batch_size(500):
        batch.append(UpdateOne({"_id": document["_id"]}, {"$set": {n: document[n] for n in SECRETS}}))
        if len(batch) == 500:
            collection.bulk_write(batch, ordered=False)
            batch.clear()
    if batch:
        collection.bulk_write(batch, ordered=False)


def run(database):
    values = [f"token-{n}-" + "x" * 120 for n in range(20_000)]
    places = [place(n, "access_token") for n in range(len(values))]
    seconds, sealed = timed(lambda: [encrypt_secret(v, p) for v, p in zip(values, places, strict=True)])
    encrypt_rate = len(values) / seconds
    seconds, _ = timed(lambda: [decrypt_secret(s, p) for s, p in zip(sealed, places, strict=True)])
    decrypt_rate = len(values) / seconds

    create_or_adopt(database, "youtube")
    collection = database["youtube_credentials"]
    seed_youtube(collection, CREDENTIALS, tenants=2000, document_fields=sealed_secrets)
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        rotate_seconds, result = timed(lambda: rotate_collection(collection, SECRETS, batch_size=500))
    assert result.counts["re-encrypted"] == CREDENTIALS * len(SECRETS)
    raw_seconds, _ = timed(lambda: raw_read_rewrite(collection))
    collection.drop()

    print("Secrets")
    report(
        [
            ("encrypt", f"{encrypt_rate:,.0f} secrets/s"),
            ("decrypt", f"{decrypt_rate:,.0f} secrets/s"),
            (
                f"rotate {CREDENTIALS:,} credentials ({len(SECRETS)} secrets each)",
                f"{CREDENTIALS / rotate_seconds:,.0f} documents/s ({rotate_seconds:.1f} s)",
            ),
            (
                "raw pymongo read + rewrite, same documents",
                f"{CREDENTIALS / raw_seconds:,.0f} documents/s ({raw_seconds:.1f} s)",
            ),
            ("rotation time / raw time", f"{rotate_seconds / raw_seconds:.2f}x"),
        ]
    )
