import CCurl
import Foundation

/// Sends messages through the `[smtp]` server with libcurl. With `smtp://` the session must upgrade
/// with STARTTLS (`CURLUSESSL_ALL`: a server that does not offer it gets nothing, never the message
/// in clear); `smtps://` is TLS from the start. The server's certificate and name are always
/// verified, against the system's CAs or `ca_file`.
public struct SMTPMailer: Sendable {
    /// A failed send: temporary (4xx, or the connection) or permanent (5xx from the server).
    public struct SendError: Error, CustomStringConvertible, Sendable {
        /// The server's reply code, when it answered.
        public var reply: Int?
        /// What went wrong.
        public var message: String

        public var description: String { reply.map { "SMTP \($0): \(message)" } ?? message }
    }

    let configuration: SMTPConfiguration
    let password: String?

    /// A mailer for `configuration`; reads the password file now, so a bad one fails at start.
    public init(configuration: SMTPConfiguration) throws {
        self.configuration = configuration
        if configuration.passwordFile.isEmpty {
            password = nil
        } else {
            guard let text = FileManager.default.contents(atPath: configuration.passwordFile) else {
                throw ConfigurationError(key: "smtp.password_file", source: "value \(configuration.passwordFile)", problem: "cannot be read")
            }
            password = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
    }

    /// The envelope sender.
    public var from: String { configuration.from }

    /// Sends `message` (a whole RFC 5322 message, CRLF line ends) to `recipients`.
    public func send(_ message: Data, to recipients: [String]) async throws {
        let transfer = try CurlTransfer(url: configuration.url)
        try transfer.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        try transfer.set(CURLOPT_SSL_VERIFYPEER, 1)
        try transfer.set(CURLOPT_SSL_VERIFYHOST, 2)
        if !configuration.caFile.isEmpty { try transfer.set(CURLOPT_CAINFO, configuration.caFile) }
        if !configuration.username.isEmpty { try transfer.set(CURLOPT_USERNAME, configuration.username) }
        if let password { try transfer.set(CURLOPT_PASSWORD, password) }
        try transfer.set(CURLOPT_MAIL_FROM, "<\(configuration.from)>")
        try transfer.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
        try transfer.set(CURLOPT_UPLOAD, 1)
        try transfer.set(size: CURLOPT_INFILESIZE_LARGE, message.count)
        try transfer.set(CURLOPT_CONNECTTIMEOUT, 15)
        try transfer.set(CURLOPT_TIMEOUT, 60)
        transfer.setUpload(message)
        do {
            let response = try await transfer.perform()
            guard (200..<300).contains(response.status) else {
                throw SendError(reply: response.status, message: "the server did not accept the message")
            }
        } catch let error as CurlError {
            throw SendError(reply: transfer.lastReply, message: error.message)
        }
    }
}
