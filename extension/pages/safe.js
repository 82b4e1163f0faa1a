import { localize } from '../lib/i18n.js';

localize();
