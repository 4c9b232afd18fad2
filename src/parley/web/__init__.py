"""Server-rendered pages: the room list, a room, sign-up."""
