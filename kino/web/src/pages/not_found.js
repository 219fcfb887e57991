// A page whose content the server renders; its script only runs the shared header.
import { startLayout } from '../lib/layout.js';

startLayout();
