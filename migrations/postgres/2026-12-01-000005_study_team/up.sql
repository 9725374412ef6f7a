-- Who runs the study, shown to panellists on every page and in every email; the ethics
-- reference and registry id for the report; the study's time zone for dates and times.
ALTER TABLE studies ADD COLUMN team_name TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN team_institution TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN team_contact TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN ethics_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN registry_id TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN info_url TEXT NOT NULL DEFAULT '';
ALTER TABLE studies ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
