/** Names offered for one Tab: more than a shell shows on one screen would not help anyone pick. */
export const COMPLETION_LIMIT = 50;
