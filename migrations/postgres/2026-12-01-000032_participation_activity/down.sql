ALTER TABLE participations DROP COLUMN answers_saved;
ALTER TABLE participations DROP COLUMN last_saved_at;
