ALTER TABLE participations DROP COLUMN last_saved_at;
