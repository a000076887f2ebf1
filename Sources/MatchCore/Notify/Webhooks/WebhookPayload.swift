import Foundation

/// The body of a webhook delivery, Standard Webhooks' `{"type", "timestamp", "data"}`, built in
/// SQL from the event row when the delivery is queued: `data` holds the event's ids and API links
/// (with URLs under `[http] public_url` when set), never a case reference or anything of a profile.
enum WebhookPayload {
    /// A jsonb expression for the event row `alias`.
    static func sql(event alias: String, publicURL: String?) -> PostgresQuery {
        let e = PostgresQuery(unsafeSQL: alias)
        return """
            jsonb_build_object(
                'type', \(e).type,
                'timestamp', to_char(\(e).created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'data', jsonb_strip_nulls(jsonb_build_object(
                    'event_id', \(e).id, 'suggestion_id', \(e).suggestion_id,
                    'suggestion_ids', CASE WHEN cardinality(\(e).suggestion_ids) > 0 THEN to_jsonb(\(e).suggestion_ids) END,
                    'participant_id', \(e).participant_id, 'offer_id', \(e).offer_id, 'employer_id', \(e).employer_id,
                    'placement_id', \(e).placement_id, 'check_in_id', \(e).check_in_id, 'webhook_id', \(e).webhook_id,
                    'links', (SELECT coalesce(jsonb_agg(jsonb_build_object('rel', l.rel, 'path', l.path, 'url', \(publicURL)::text || l.path)
                                                        ORDER BY l.n), '[]'::jsonb)
                              FROM (VALUES (1, 'suggestion', '/v1/suggestions/' || \(e).suggestion_id),
                                           (2, 'participant', '/v1/participants/' || \(e).participant_id),
                                           (3, 'offer', '/v1/offers/' || \(e).offer_id),
                                           (4, 'employer', '/v1/employers/' || \(e).employer_id),
                                           (5, 'placement', '/v1/placements/' || \(e).placement_id),
                                           (6, 'webhook', '/v1/webhooks/' || \(e).webhook_id)) AS l(n, rel, path)
                              WHERE l.path IS NOT NULL)
                )))
            """
    }
}
