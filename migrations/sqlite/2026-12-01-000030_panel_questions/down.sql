ALTER TABLE plan_changes DROP COLUMN source_section;
DROP TABLE background_answers;
DROP TABLE open_answers;
