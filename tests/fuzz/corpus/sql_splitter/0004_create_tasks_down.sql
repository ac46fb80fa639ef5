
DROP TABLE tasks;
