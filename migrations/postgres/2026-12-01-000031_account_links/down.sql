DROP INDEX account_links_user;
DROP TABLE account_links;
