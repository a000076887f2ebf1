import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a webhook may be delivered: an `https` (or, for tests, `http`) URL whose host resolves only
/// to public addresses. Loopback, private, link-local, unique-local, CGNAT and unspecified addresses
/// are refused unless `[webhooks] allow_private_targets` is set, so a förbund's token cannot make
/// matchd call the services beside it. Checked when an endpoint is registered (a name that does not
/// resolve yet is accepted then: its deliveries fail until it does) and again before each delivery,
/// since the name may resolve differently by then.
public struct WebhookTarget: Sendable {
    /// Whether private targets are allowed.
    public var allowPrivate: Bool

    /// A policy; `allowPrivate` for tests only.
    public init(allowPrivate: Bool) { self.allowPrivate = allowPrivate }

    /// Why a URL may not be a target.
    public enum Refusal: Error, Equatable, Sendable {
        /// Not an absolute http(s) URL with a host.
        case notHTTP
        /// The host does not resolve.
        case unresolvable(String)
        /// The host resolves to an address that is not public.
        case privateAddress(String)

        /// The rule broken, as problem+json names it.
        public var rule: String {
            switch self {
            case .notHTTP: "format"
            case .unresolvable: "resolvable"
            case .privateAddress: "public_target"
            }
        }

        /// A sentence for the error.
        public var message: String {
            switch self {
            case .notHTTP: "must be an absolute http or https URL"
            case .unresolvable(let host): "the host \(host) does not resolve"
            case .privateAddress(let address): "resolves to \(address), which is not a public address"
            }
        }
    }

    /// Checks `url`; throws the refusal. `resolvable`: a host that does not resolve is refused too.
    /// Returns the public addresses it resolved to (none when private targets are allowed), for the
    /// transfer to connect to exactly those: a name that resolves differently a moment later (DNS
    /// rebinding) cannot then lead it to a private address.
    @discardableResult
    public func check(_ url: String, resolvable: Bool = true) throws -> [String] {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
              let host = parsed.host, !host.isEmpty, parsed.user == nil else { throw Refusal.notHTTP }
        if allowPrivate { return [] }
        let addresses = Self.resolve(host)
        guard !addresses.isEmpty else {
            if resolvable { throw Refusal.unresolvable(host) }
            return []
        }
        if let blocked = addresses.first(where: { !Self.isPublic($0) }) { throw Refusal.privateAddress(blocked) }
        return addresses
    }

    /// libcurl's `CURLOPT_RESOLVE` entry pinning `url`'s host and port to `addresses`.
    static func pin(_ url: String, to addresses: [String]) -> String? {
        guard !addresses.isEmpty, let parsed = URL(string: url), let host = parsed.host else { return nil }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "https" ? 443 : 80)
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return "\(bare):\(port):" + addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
    }

    /// The addresses `host` resolves to, as text.
    static func resolve(_ host: String) -> [String] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            next = info.pointee.ai_next
        }
        return addresses
    }

    /// Whether a numeric address is public.
    static func isPublic(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            let a = UInt32(bigEndian: v4.s_addr)
            let blocked: [(UInt32, UInt32)] = [
                (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
                (0xAC10_0000, 12), (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15), (0xE000_0000, 3),
            ]
            return !blocked.contains { network, bits in a >> (32 - bits) == network >> (32 - bits) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes.allSatisfy({ $0 == 0 }) || bytes == Array(repeating: 0, count: 15) + [1] { return false }
        if bytes[0] & 0xFE == 0xFC { return false }                       // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false }    // fe80::/10 link-local
        if bytes[0] == 0xFF { return false }                               // multicast
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return isPublic(bytes[12...].map(String.init).joined(separator: "."))   // IPv4-mapped
        }
        return true
    }
}
