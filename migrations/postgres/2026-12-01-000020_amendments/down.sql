DROP TABLE study_sections;
DROP TABLE amendments;
