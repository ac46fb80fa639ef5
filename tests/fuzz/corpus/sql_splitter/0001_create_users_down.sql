
DROP TABLE users;
