import { z } from 'zod';

// The page's Content-Security-Policy allows no eval; zod's fast path would try `new Function` to find out (and
// the browser would report the refusal on every page), so schemas shared with the server run without it.
z.config({ jitless: true });
