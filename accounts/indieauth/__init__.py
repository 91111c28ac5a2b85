"""The platform as every user's IndieAuth server (indieauth.spec.indieweb.org, Living Standard 2024-07-11).

metadata   - the endpoints' URLs, the metadata document and the blog discovery links (§4.1.1)
scopes     - the scopes we know and what the consent page says about each
client_ids - client_id and redirect_uri rules (§3.3, §3.4, §4.2.2)
client_info- fetching the client's metadata document or h-app through the safe fetcher (§4.2)
authorization - validating an authorization request and answering it (§5.2, §5.2.1)
codes      - authorization codes: issue, redeem once with PKCE (§5.3, R29, R30)
grants     - access and refresh tokens, their responses, revocation (§5.3.3, §5.5, §6, §7, §9)
app_tokens - Settings → App tokens: the grants a user has made, personal tokens
"""
