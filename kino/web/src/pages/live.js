// /live/{id}: the live player, its state, and the chat beside it.
import { startChat } from '../chat/index.js';
import { startLayout } from '../lib/layout.js';
import { startStage } from '../live/stage.js';

startLayout();
startStage();
startChat();
