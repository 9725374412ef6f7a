ALTER TABLE studies DROP COLUMN time_zone;
ALTER TABLE studies DROP COLUMN info_url;
ALTER TABLE studies DROP COLUMN registry_id;
ALTER TABLE studies DROP COLUMN ethics_reference;
ALTER TABLE studies DROP COLUMN team_contact;
ALTER TABLE studies DROP COLUMN team_institution;
ALTER TABLE studies DROP COLUMN team_name;
