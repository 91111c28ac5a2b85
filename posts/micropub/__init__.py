"""Micropub (W3C Recommendation 2017-05-23, https://www.w3.org/TR/micropub/) and its media endpoint.

Requests become mf2 properties (parse), which the one set of post services turn into posts.
"""
