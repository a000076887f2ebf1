import CCurl
import Dispatch
import Foundation

/// A failed libcurl transfer: its code and libcurl's message for it.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    /// libcurl's result code (`CURLcode`).
    public var code: Int
    /// libcurl's explanation.
    public var message: String

    public var description: String { "libcurl error \(code): \(message)" }
}

/// One blocking libcurl transfer, run on a thread of its own queue so the blocking never sits on
/// Swift's cooperative pool. The request body is fed through a `@convention(c)` read callback and
/// the answer's body and header lines collected through write callbacks, each given this
/// transfer's buffers as the context pointer.
final class CurlTransfer: @unchecked Sendable {
    /// Blocking transfers run here: a concurrent queue whose threads may block.
    private static let queue = DispatchQueue(label: "lotsen.curl", attributes: .concurrent)

    /// libcurl's process-wide setup, done once before the first handle (and before threads use it).
    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// What a transfer brought back.
    struct Response: Sendable {
        /// The HTTP status, or the SMTP server's last reply code.
        var status: Int
        /// The answer's body.
        var body: Data
        /// The answer's header lines, as received.
        var headers: [String]
    }

    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var strings: [UnsafeMutablePointer<CChar>] = []
    fileprivate var upload = Data()
    fileprivate var uploaded = 0
    fileprivate var received = Data()
    fileprivate var headerLines: [String] = []
    /// libcurl writes its message here during a transfer: memory the transfer owns, at a fixed address.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// A transfer to `url`.
    init(url: String) throws {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw CurlError(code: -1, message: "curl_easy_init failed") }
        self.handle = handle
        try set(CURLOPT_URL, url)
        // Never signals (they are process-wide and matchd is threaded); never follows redirects.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // Never through a proxy from the environment (http_proxy would route around the target checks).
        try set(CURLOPT_PROXY, "")
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try check(lotsen_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        for string in strings { free(string) }
        errorBuffer.deallocate()
    }

    /// Sets a size option (`curl_off_t`).
    func set(size option: CURLoption, _ value: Int) throws {
        try check(lotsen_curl_set_off(handle, option, curl_off_t(value)))
    }

    /// Sets a number option.
    func set(_ option: CURLoption, _ value: Int) throws {
        try check(lotsen_curl_set_long(handle, option, value))
    }

    /// Sets a text option; the copy lives as long as the transfer (libcurl copies most, not all).
    func set(_ option: CURLoption, _ value: String) throws {
        guard let copy = strdup(value) else { throw CurlError(code: -1, message: "out of memory") }
        strings.append(copy)
        try check(lotsen_curl_set_string(handle, option, copy))
    }

    /// Sets a list option (recipients, header lines).
    func set(_ option: CURLoption, list values: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        guard let list else { return }
        lists.append(list)
        try check(lotsen_curl_set_slist(handle, option, list))
    }

    /// The body to send (an SMTP message, an HTTP request body).
    func setUpload(_ data: Data) { upload = data }

    /// Runs the transfer off the cooperative pool and returns what came back.
    func perform() async throws -> Response {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
            Self.queue.async {
                continuation.resume(with: Result { try self.performBlocking() })
            }
        }
    }

    private func performBlocking() throws -> Response {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(lotsen_curl_set_pointer(handle, CURLOPT_READDATA, context))
        try check(lotsen_curl_set_callback(handle, CURLOPT_READFUNCTION, curlRead))
        try check(lotsen_curl_set_pointer(handle, CURLOPT_WRITEDATA, context))
        try check(lotsen_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite))
        try check(lotsen_curl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        try check(lotsen_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader))
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = String(decoding: UnsafeBufferPointer(start: errorBuffer, count: Int(CURL_ERROR_SIZE)).prefix { $0 != 0 }
                .map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CurlError(code: Int(code.rawValue), message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        _ = lotsen_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: received, headers: headerLines)
    }

    /// The server's last reply code (HTTP status, SMTP reply), also after a failed transfer.
    var lastReply: Int? {
        var status = 0
        _ = lotsen_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status == 0 ? nil : status
    }

    private func check(_ code: CURLcode) throws {
        guard code == CURLE_OK else {
            throw CurlError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)))
        }
    }
}

/// Feeds the upload: libcurl asks for up to `size * count` bytes.
private func curlRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, transfer.upload.count - transfer.uploaded)
    guard length > 0 else { return 0 }
    transfer.upload.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + transfer.uploaded, byteCount: length)
    }
    transfer.uploaded += length
    return length
}

/// Collects the answer's body.
private func curlWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    // A webhook receiver's answer is kept for the delivery log only: 64 KiB of it is plenty.
    if transfer.received.count < 65_536 { transfer.received.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: size * count) }
    return size * count
}

/// Collects the answer's header lines.
private func curlHeader(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: size * count), as: UTF8.self)
    transfer.headerLines.append(line.trimmingCharacters(in: .whitespacesAndNewlines))
    return size * count
}

/// libcurl's process-wide setup.
public enum Curl {
    /// Runs `curl_global_init` once; call it at start, before threads use libcurl (the first
    /// transfer calls it too, for tools that forget).
    public static func initialize() { _ = CurlTransfer.globalInit }
}
