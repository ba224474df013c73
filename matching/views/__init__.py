"""The pages of referrals and matches: intake and suggestions, the match, and meetings."""
