extension String {
    /// The text safe inside HTML content and double-quoted attributes (the emails' HTML part, the
    /// unsubscribe pages).
    public var htmlEscaped: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
