import Crypto
import Foundation

/// Standard Webhooks signing: secrets are `whsec_` and the base64 of random bytes; a signature is
/// `v1,` and the base64 HMAC-SHA256, under the secret's bytes, of `{id}.{timestamp}.{body}`.
public enum WebhookSigner {
    /// A new secret: `whsec_` and the base64 of 32 random bytes (the specification allows 24 to 64).
    public static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The `v1,…` signature of one attempt under `secret`.
    public static func signature(id: String, timestamp: Int, body: Data, secret: String) -> String {
        let key = SymmetricKey(data: Data(base64Encoded: String(secret.dropFirst("whsec_".count))) ?? Data())
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret in force, space-separated.
    public static func header(id: String, timestamp: Int, body: Data, secrets: [String]) -> String {
        secrets.map { signature(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }
}
