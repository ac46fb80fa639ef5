
DROP TABLE clients;
