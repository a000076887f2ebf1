-- The API's JSON names are now declared once per type (coding keys with the documented
-- snake_case names) instead of guessed by a key strategy, and the jsonb that the same types are
-- stored as follows them. This renames the keys of what earlier versions stored in camelCase:
-- participant profiles (with their facts) and each suggestion's components, supports and weights.
-- Keys already in their declared form, and keys this list does not name, are left as they are.
CREATE FUNCTION lotsen_rename_json_keys(doc jsonb, names jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    CASE jsonb_typeof(doc)
    WHEN 'object' THEN
        RETURN (SELECT coalesce(jsonb_object_agg(coalesce(names ->> key, key), lotsen_rename_json_keys(value, names)), '{}')
                FROM jsonb_each(doc));
    WHEN 'array' THEN
        RETURN (SELECT coalesce(jsonb_agg(lotsen_rename_json_keys(value, names) ORDER BY ordinal), '[]')
                FROM jsonb_array_elements(doc) WITH ORDINALITY AS element(value, ordinal));
    ELSE
        RETURN doc;
    END CASE;
END
$$;

UPDATE participants SET profile = lotsen_rename_json_keys(profile, '{
    "caseReference": "case_reference", "responsibleCoordinatorID": "responsible_coordinator_id",
    "homeKommunkod": "home_kommunkod", "homeLatitude": "home_latitude", "homeLongitude": "home_longitude",
    "homeCoordinateSource": "home_coordinate_source", "maxCommuteKm": "max_commute_km",
    "maxCommuteMinutes": "max_commute_minutes", "wishedOccupations": "wished_occupations",
    "excludedSectors": "excluded_sectors", "excludedEmployerIDs": "excluded_employer_ids",
    "informalCompetence": "informal_competence", "hoursPerWeek": "hours_per_week",
    "availableFrom": "available_from", "adaptationNeeds": "adaptation_needs", "needsHandledare": "needs_handledare",
    "birthYear": "birth_year", "monthsAwayLast9": "months_away_last_9", "monthsAwayLast15": "months_away_last_15",
    "registeredAtAFSince": "registered_at_af_since", "inJobGuarantee": "in_job_guarantee",
    "disabilityReducedCapacity": "disability_reduced_capacity", "assessedCapacityPercent": "assessed_capacity_percent",
    "newArrivalSince": "new_arrival_since"
}'::jsonb);

UPDATE suggestions SET
    components = lotsen_rename_json_keys(components, '{"sentenceSv": "sentence_sv", "sentenceEn": "sentence_en"}'::jsonb),
    supports = lotsen_rename_json_keys(supports, '{
        "versionValidFrom": "version_valid_from", "nameSv": "name_sv", "nameEn": "name_en",
        "estimatedMonthlyAmount": "estimated_monthly_amount", "yearlyMaximum": "yearly_maximum",
        "usedDefaultWage": "used_default_wage", "maxDurationMonths": "max_duration_months"
    }'::jsonb),
    weights = lotsen_rename_json_keys(weights, '{
        "wishedOccupation": "wished_occupation", "experienceAndSkills": "experience_and_skills",
        "hoursFit": "hours_fit", "employerRelation": "employer_relation", "waitingTime": "waiting_time"
    }'::jsonb);

DROP FUNCTION lotsen_rename_json_keys(jsonb, jsonb);
