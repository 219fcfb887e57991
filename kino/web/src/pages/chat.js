// /live/{id}/chat: the chat alone, to keep beside another window (pop-out).
import { startChat } from '../chat/index.js';
import { startLayout } from '../lib/layout.js';

startLayout();
startChat();
